package main

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// config is the JSON file's shape.
type config struct {
	Tenants                 []graphauthtest.Tenant `json:"tenants"`
	Apps                    []appConfig            `json:"apps"`
	TokenLifetimeSeconds    int                    `json:"tokenLifetimeSeconds"`
	PropagationDelaySeconds int                    `json:"propagationDelaySeconds"`
	Interactive             bool                   `json:"interactive"`
}

type appConfig struct {
	ClientID       string                 `json:"clientId"`
	DisplayName    string                 `json:"displayName"`
	HomeTenant     string                 `json:"homeTenant"`
	MultiTenant    bool                   `json:"multiTenant"`
	PublicClient   bool                   `json:"publicClient"`
	Secrets        []graphauthtest.Secret `json:"secrets"`
	Certificates   []string               `json:"certificates"` // PEM
	RedirectURIs   []string               `json:"redirectUris"`
	RequiredRoles  []string               `json:"requiredRoles"`
	RequiredScopes []string               `json:"requiredScopes"`
	Grants         map[string][]string    `json:"grants"` // tenant -> app roles
}

type grant struct {
	tenant, clientID string
	roles            []string
}

// loadConfig reads the file at path; an empty path means the defaults.
func loadConfig(path string) (*graphauthtest.Options, []grant, error) {
	if path == "" {
		return &graphauthtest.Options{}, nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	var c config
	if err := dec.Decode(&c); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(c.Tenants) == 0 {
		return nil, nil, fmt.Errorf("%s: at least one tenant is needed", path)
	}
	opts := &graphauthtest.Options{
		Tenants:          c.Tenants,
		TokenLifetime:    time.Duration(c.TokenLifetimeSeconds) * time.Second,
		PropagationDelay: time.Duration(c.PropagationDelaySeconds) * time.Second,
		Interactive:      c.Interactive,
	}
	var grants []grant
	for i, a := range c.Apps {
		app := graphauthtest.App{ClientID: a.ClientID, DisplayName: a.DisplayName, HomeTenant: a.HomeTenant,
			MultiTenant: a.MultiTenant, PublicClient: a.PublicClient, Secrets: a.Secrets, RedirectURIs: a.RedirectURIs,
			RequiredRoles: a.RequiredRoles, RequiredScopes: a.RequiredScopes}
		for j, p := range a.Certificates {
			block, _ := pem.Decode([]byte(p))
			if block == nil || block.Type != "CERTIFICATE" {
				return nil, nil, fmt.Errorf("%s: apps[%d].certificates[%d] is not a PEM certificate", path, i, j)
			}
			cert, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: apps[%d].certificates[%d]: %w", path, i, j, err)
			}
			app.Certificates = append(app.Certificates, graphauthtest.Certificate{Certificate: cert})
		}
		opts.Apps = append(opts.Apps, app)
		for tenant, roles := range a.Grants {
			grants = append(grants, grant{tenant: tenant, clientID: a.ClientID, roles: roles})
		}
	}
	return opts, grants, nil
}

// start builds the server, turning the setup panics of graphauthtest (a bad
// ID, an unknown permission) into an error for the command line.
func start(opts *graphauthtest.Options, grants []grant) (srv *graphauthtest.Server, err error) {
	defer func() {
		if r := recover(); r != nil {
			if srv != nil {
				srv.Close()
			}
			srv, err = nil, fmt.Errorf("%v", r)
		}
	}()
	srv = graphauthtest.NewServer(opts)
	for _, g := range grants {
		if g.clientID == "" {
			srv.Close()
			return nil, fmt.Errorf("an app with grants needs a clientId")
		}
		srv.GrantAppRoles(g.tenant, g.clientID, g.roles...)
	}
	return srv, nil
}

func writeCA(cert *x509.Certificate, path string) (string, error) {
	if path == "" {
		dir, err := os.MkdirTemp("", "fakeentra")
		if err != nil {
			return "", err
		}
		path = filepath.Join(dir, "ca.pem")
	}
	data := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
	return path, os.WriteFile(path, data, 0o644)
}
