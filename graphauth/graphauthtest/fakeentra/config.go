package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// config is the JSON file's shape; README.md documents it field by field.
type config struct {
	Tenants                 []graphauthtest.Tenant `json:"tenants"`
	Apps                    []appJSON              `json:"apps"`
	TokenLifetimeSeconds    int                    `json:"tokenLifetimeSeconds"`
	PropagationDelaySeconds int                    `json:"propagationDelaySeconds"`
	Interactive             bool                   `json:"interactive"`
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
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var c config
	if err := dec.Decode(&c); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(c.Tenants) == 0 {
		return nil, nil, fmt.Errorf("%s: at least one tenant is needed", path)
	}
	if c.TokenLifetimeSeconds < 0 || c.PropagationDelaySeconds < 0 {
		return nil, nil, fmt.Errorf("%s: tokenLifetimeSeconds and propagationDelaySeconds must not be negative", path)
	}
	opts := &graphauthtest.Options{
		Tenants:          c.Tenants,
		TokenLifetime:    time.Duration(c.TokenLifetimeSeconds) * time.Second,
		PropagationDelay: time.Duration(c.PropagationDelaySeconds) * time.Second,
		Interactive:      c.Interactive,
	}
	var grants []grant
	for i, a := range c.Apps {
		if a.GenerateCertificate {
			return nil, nil, fmt.Errorf("%s: apps[%d].generateCertificate is for the control API only", path, i)
		}
		app, err := a.app(fmt.Sprintf("apps[%d]", i))
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
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
