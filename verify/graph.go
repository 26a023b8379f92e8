package verify

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/entrakit/entrakit/registration"
)

// probe is the cheapest Graph call for a family of permissions.
type probe struct {
	family string   // "User", "Group", ...
	path   string   // GET path under /v1.0
	accept []string // the application permissions that allow it
}

func probes(clientID string) []probe {
	return []probe{
		{"User", "/users?$top=1&$select=id", []string{"User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}},
		{"Group", "/groups?$top=1&$select=id", []string{"Group.Read.All", "GroupMember.Read.All", "Group.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}},
		{"Organization", "/organization?$select=id", []string{"Organization.Read.All", "Organization.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}},
		{"Directory", "/organization?$select=id", []string{"Directory.Read.All", "Directory.ReadWrite.All"}},
		{"Application", "/servicePrincipals(appId='" + url.PathEscape(clientID) + "')?$select=id", []string{"Application.Read.All", "Application.ReadWrite.All", "Application.ReadWrite.OwnedBy", "Directory.Read.All"}},
	}
}

func (r *run) graphChecks(authenticated bool) {
	if !authenticated {
		if r.req.ProbeGraph {
			r.skip("graph.probe", "Microsoft Graph", "no token")
		}
		r.skip("registration.credentials", "Registered credentials", "no token")
		return
	}
	client, err := registration.NewClient(r.cred, &registration.ClientOptions{Cloud: r.opts.Cloud, GraphEndpoint: r.opts.GraphEndpoint,
		HTTPClient: r.opts.HTTPClient, TenantID: r.opts.TenantID})
	if err != nil {
		r.step("graph", "Microsoft Graph", func() outcome { return failed(err, "") })
		return
	}
	r.graph = client
	if r.req.ProbeGraph {
		r.probeGraph()
	}
	r.registered()
}

// probeGraph calls Graph once per family of the required permissions.
func (r *run) probeGraph() {
	clientID := claim(r.token, "appid")
	done := map[string]bool{}
	for _, role := range r.req.Roles {
		family, _, _ := strings.Cut(role, ".")
		for _, p := range probes(clientID) {
			if !strings.EqualFold(p.family, family) || done[p.family] {
				continue
			}
			done[p.family] = true
			p := p
			r.step("graph.probe."+strings.ToLower(p.family), "Graph call for "+p.family+" permissions", func() outcome {
				var body map[string]any
				if err := r.graph.Get(r.ctx, p.path, &body, p.accept...); err != nil {
					return failed(err, "GET "+strings.SplitN(p.path, "?", 2)[0]+": "+Diagnose(err).Summary)
				}
				return ok("GET %s answered 200", strings.SplitN(p.path, "?", 2)[0])
			})
		}
	}
	if len(done) == 0 {
		r.skip("graph.probe", "Microsoft Graph", "no required permission has a probe")
	}
}

// registered reads the app's own registration, when its permissions allow,
// and checks its credentials' expiry and that the local certificate is the
// registered one.
func (r *run) registered() {
	roles := r.roles()
	if !containsFold(roles, "Application.Read.All") && !containsFold(roles, "Application.ReadWrite.All") &&
		!containsFold(roles, "Directory.Read.All") && !containsFold(roles, "Application.ReadWrite.OwnedBy") {
		r.skip("registration.credentials", "Registered credentials", "the app may not read its registration (Application.Read.All would let it)")
		return
	}
	r.step("registration.credentials", "Registered credentials", func() outcome {
		app, err := r.graph.ApplicationByAppID(r.ctx, claim(r.token, "appid"))
		var ge *registration.GraphError
		if errors.As(err, &ge) && (ge.StatusCode == 403 || ge.StatusCode == 404) {
			return outcome{StatusSkipped, "the registration is not readable here (it may live in another tenant)", nil}
		}
		if err != nil {
			return failed(err, "")
		}
		return r.credentialsOutcome(app)
	})
}

func (r *run) credentialsOutcome(app registration.Application) outcome {
	now := r.clockFn()
	var notes []string
	worst := outcome{status: StatusOK}
	for _, p := range app.PasswordCredentials {
		notes = append(notes, r.expiryNote(&worst, "secret "+p.Hint+"…", p.EndDateTime, now))
	}
	for _, k := range app.KeyCredentials {
		end := time.Time{}
		if k.EndDateTime != nil {
			end = *k.EndDateTime
		}
		notes = append(notes, r.expiryNote(&worst, "certificate "+k.Thumbprint(), end, now))
	}
	if r.cert != nil {
		if _, found := registration.MatchRegistered(r.cert, app.KeyCredentials); !found {
			d := Diagnose(errAADSTS(700027))
			d.Summary = "The configured certificate (" + registration.Thumbprint(r.cert) + ") is not registered on the app."
			worst = outcome{StatusFailed, "", &d}
		}
	}
	if len(notes) == 0 {
		notes = append(notes, "no secrets or certificates registered")
	}
	worst.detail = strings.Join(notes, "; ")
	return worst
}

// expiryNote describes one credential and raises worst when it has expired
// or soon will.
func (r *run) expiryNote(worst *outcome, name string, end, now time.Time) string {
	switch {
	case end.IsZero():
		return name + " (no end date)"
	case !now.Before(end):
		if worst.status.rank() < StatusWarning.rank() {
			d := Diagnosis{Code: "CredentialExpired", Summary: name + " expired on " + end.Format(time.DateOnly) + ".",
				Action: "Delete it once nothing uses it; if something does, it fails with AADSTS7000222 or AADSTS700027.", Portal: portalCreds}
			*worst = outcome{StatusWarning, "", &d}
		}
		return name + " expired " + end.Format(time.DateOnly)
	case now.Add(r.req.ExpiryWarning).After(end):
		if worst.status.rank() < StatusWarning.rank() {
			d := Diagnosis{Code: "CredentialExpiring", Summary: fmt.Sprintf("%s expires on %s.", name, end.Format(time.DateOnly)),
				Action: "Add its successor now and switch over before it expires.", Portal: portalCreds,
				Command: "POST /applications/{id}/addPassword"}
			*worst = outcome{StatusWarning, "", &d}
		}
		return name + " expires " + end.Format(time.DateOnly)
	}
	return name + " valid until " + end.Format(time.DateOnly)
}
