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
	RefreshInSeconds        int                    `json:"refreshInSeconds"`
	PropagationDelaySeconds int                    `json:"propagationDelaySeconds"`
	DeltaRetentionSeconds   int                    `json:"deltaRetentionSeconds"`
	TokenLatencyMs          int                    `json:"tokenLatencyMs"`
	Interactive             bool                   `json:"interactive"`
}

// maxSettingSeconds bounds every duration in the file to about ten years,
// far past any token or retention period and well inside time.Duration.
const maxSettingSeconds = 10 * 365 * 24 * 60 * 60

type grant struct {
	tenant, clientID string
	app              int // index in apps, for an app whose clientId the fake made up
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
	for _, v := range []int{c.TokenLifetimeSeconds, c.RefreshInSeconds, c.PropagationDelaySeconds, c.DeltaRetentionSeconds, c.TokenLatencyMs / 1000} {
		if v < 0 || v > maxSettingSeconds {
			return nil, nil, fmt.Errorf("%s: the seconds and milliseconds settings must be between 0 and %d seconds", path, maxSettingSeconds)
		}
	}
	opts := &graphauthtest.Options{
		Tenants:          c.Tenants,
		TokenLifetime:    time.Duration(c.TokenLifetimeSeconds) * time.Second,
		RefreshIn:        time.Duration(c.RefreshInSeconds) * time.Second,
		PropagationDelay: time.Duration(c.PropagationDelaySeconds) * time.Second,
		DeltaRetention:   time.Duration(c.DeltaRetentionSeconds) * time.Second,
		TokenLatency:     time.Duration(c.TokenLatencyMs) * time.Millisecond,
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
			grants = append(grants, grant{tenant: tenant, clientID: a.ClientID, app: i, roles: roles})
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
	apps := srv.Apps() // the configuration's apps, in its order
	for _, g := range grants {
		if g.clientID == "" {
			g.clientID = apps[g.app]
		}
		srv.GrantAppRoles(g.tenant, g.clientID, g.roles...)
	}
	return srv, nil
}
