package graphauthtest

import (
	"fmt"
	"strings"
)

// Tenants returns a copy of every tenant as the server holds it now, in the
// order they were added, with their users and groups (group members by
// object ID). It is what the standalone fakeentra prints and what its
// control API lists.
func (s *Server) Tenants() []Tenant {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Tenant, 0, len(s.dir.tenantOrder))
	for _, id := range s.dir.tenantOrder {
		t := s.dir.tenants[id]
		if t == nil {
			continue
		}
		c := t.Tenant
		c.Domains = append([]string(nil), t.Domains...)
		c.Skus = append([]Sku(nil), t.Skus...)
		c.ServicePrincipals = append([]string(nil), t.ServicePrincipals...)
		c.Users, c.Groups = nil, nil
		for _, u := range t.orderedUsers() {
			cu := *u
			cu.Licenses = append([]string(nil), u.Licenses...)
			c.Users = append(c.Users, cu)
		}
		for _, g := range t.groups {
			cg := g.Group
			cg.Members = append([]string(nil), g.members...)
			c.Groups = append(c.Groups, cg)
		}
		out = append(out, c)
	}
	return out
}

// Apps returns the client IDs of every registered app, in the order they were
// added; App returns each one's registration.
func (s *Server) Apps() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.dir.appOrder...)
}

// AddSecret adds a client secret to the app clientID, as addPassword does,
// and returns it with its ID, value and validity filled in.
func (s *Server) AddSecret(clientID string, sec Secret) Secret {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.mustApp(clientID)
	sec = fillSecret(sec, s.clk.now())
	a.Secrets = append(a.Secrets, sec)
	return sec
}

// AddCertificate registers a certificate on the app clientID (a key
// credential) and returns it with its key ID filled in. Only the public part
// of c.Certificate is kept.
func (s *Server) AddCertificate(clientID string, c Certificate) Certificate {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.mustApp(clientID)
	if c.Certificate == nil {
		panic("graphauthtest: a Certificate needs its *x509.Certificate")
	}
	if c.KeyID == "" {
		c.KeyID = newGUID()
	}
	a.Certificates = append(a.Certificates, c)
	return c
}

func (s *Server) mustApp(clientID string) *app {
	a := s.dir.apps[strings.ToLower(clientID)]
	if a == nil {
		panic(fmt.Sprintf("graphauthtest: no app %q", clientID))
	}
	return a
}
