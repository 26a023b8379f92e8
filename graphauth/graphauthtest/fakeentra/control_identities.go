package main

import (
	"net/http"
	"sort"
	"strings"
	"sync"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// identities are the managed identities added through the control API, by
// client ID, so that a later trust names one by its ID alone.
type identities struct {
	mu   sync.Mutex
	byID map[string]graphauthtest.ManagedIdentity
}

// identityJSON is a managed identity as POST /managedIdentities takes it
// and answers it, with the endpoints that issue its tokens.
type identityJSON struct {
	SystemAssigned bool   `json:"systemAssigned,omitempty"`
	ClientID       string `json:"clientId,omitempty"`
	ObjectID       string `json:"objectId,omitempty"`
	ResourceID     string `json:"resourceId,omitempty"`
	Tenant         string `json:"tenant,omitempty"`
	// Answered only: IMDS's address (Metadata: true) and App Service's
	// IDENTITY_ENDPOINT and IDENTITY_HEADER.
	IMDSEndpoint     string `json:"imdsEndpoint,omitempty"`
	IdentityEndpoint string `json:"identityEndpoint,omitempty"`
	IdentityHeader   string `json:"identityHeader,omitempty"`
}

// addManagedIdentity is POST /managedIdentities (AddManagedIdentity).
func (c *control) addManagedIdentity(r *http.Request) (any, error) {
	var in identityJSON
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	if in.IMDSEndpoint != "" || in.IdentityEndpoint != "" || in.IdentityHeader != "" {
		return nil, badRequest("imdsEndpoint, identityEndpoint and identityHeader are answered, not set")
	}
	mi := c.srv.AddManagedIdentity(graphauthtest.ManagedIdentity{SystemAssigned: in.SystemAssigned, ClientID: in.ClientID,
		ObjectID: in.ObjectID, ResourceID: in.ResourceID, Tenant: in.Tenant})
	c.ids.mu.Lock()
	if c.ids.byID == nil {
		c.ids.byID = map[string]graphauthtest.ManagedIdentity{}
	}
	c.ids.byID[mi.ClientID] = mi
	c.ids.mu.Unlock()
	return c.identityView(mi), nil
}

// identityView is mi as the control API answers it, with its endpoints.
func (c *control) identityView(mi graphauthtest.ManagedIdentity) identityJSON {
	return identityJSON{SystemAssigned: mi.SystemAssigned, ClientID: mi.ClientID, ObjectID: mi.ObjectID, ResourceID: mi.ResourceID,
		Tenant: mi.Tenant, IMDSEndpoint: c.srv.URL + graphauthtest.IMDSPath, IdentityEndpoint: c.srv.URL + graphauthtest.IdentityEndpointPath,
		IdentityHeader: c.srv.IdentityHeader()}
}

// identitiesView lists the managed identities added through the control
// API, by client ID, for GET /state.
func (c *control) identitiesView() []identityJSON {
	c.ids.mu.Lock()
	defer c.ids.mu.Unlock()
	out := make([]identityJSON, 0, len(c.ids.byID))
	for _, mi := range c.ids.byID {
		out = append(out, c.identityView(mi))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ClientID < out[j].ClientID })
	return out
}

// trustManagedIdentity is POST /managedIdentities/trust
// (TrustManagedIdentity): the app clientId trusts the identity, named by
// its client ID, through a federated identity credential.
func (c *control) trustManagedIdentity(r *http.Request) (any, error) {
	var in struct {
		ClientID string `json:"clientId"`
		Identity string `json:"identity"`
	}
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	if err := required("clientId", in.ClientID, "identity", in.Identity); err != nil {
		return nil, err
	}
	c.ids.mu.Lock()
	mi, ok := c.ids.byID[strings.ToLower(strings.TrimSpace(in.Identity))]
	c.ids.mu.Unlock()
	if !ok {
		return nil, badRequest("identity %q is no managed identity added through POST /managedIdentities", in.Identity)
	}
	fic := c.srv.TrustManagedIdentity(in.ClientID, mi)
	return federatedCredentialJSON{Issuer: fic.Issuer, Subject: fic.Subject, Audience: fic.Audience, Keys: []string{}}, nil
}
