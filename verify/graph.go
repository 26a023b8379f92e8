package verify

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/entrakit/entrakit/msgraph"
	"github.com/entrakit/entrakit/registration"
)

// probe is the cheapest Graph call for a family of permissions.
type probe struct {
	id       string   // check ID, e.g. ProbeUsers
	title    string   // e.g. "users"
	path     string   // GET path under /v1.0
	families []string // the permission families (name before the first dot) whose holders it tests
}

func probes(clientID string) []probe {
	return []probe{
		{ProbeUsers, "users", "/users?$top=1&$select=id", []string{"User", "Directory"}},
		{ProbeGroups, "groups", "/groups?$top=1&$select=id", []string{"Group", "GroupMember", "Directory"}},
		{ProbeDomains, "domains", "/domains", []string{"Domain", "Directory"}},
		{ProbeOrganization, "organization", "/organization?$select=id", []string{"Organization", "Directory"}},
		{ProbeSubscribedSKU, "subscribed SKUs", "/subscribedSkus", []string{"LicenseAssignment", "Organization", "Directory"}},
		{ProbeReports, "usage reports", "/reports/getOffice365ActiveUserDetail(period='D7')", []string{"Reports"}},
		{ProbeApplications, "applications", "/servicePrincipals(appId='" + url.PathEscape(clientID) + "')?$select=id", []string{"Application"}},
	}
}

func (r *run) graphChecks(authenticated bool) {
	if !authenticated {
		if r.req.ProbeGraph {
			r.skip(CheckProbe, "Microsoft Graph", "no token")
		}
		r.skip(CheckRegisteredCredentials, "Registered credentials", "no token")
		return
	}
	client, err := registration.NewClient(r.cred, &registration.ClientOptions{Cloud: r.opts.Cloud, GraphEndpoint: r.opts.GraphEndpoint,
		HTTPClient: r.opts.HTTPClient, TenantID: r.opts.TenantID, TracerProvider: r.opts.TracerProvider})
	if err != nil {
		r.step(CheckGraph, "Microsoft Graph", func() outcome { return failed(err, "") })
		return
	}
	r.graph = client
	if r.req.ProbeGraph {
		r.probeGraph()
	}
	r.registered()
}

// probeGraph makes each probe whose family a required or optional
// permission of the token's kind belongs to, once. A probe only optional
// permissions asked for warns when it fails.
func (r *run) probeGraph() {
	required, optional, scheme := r.req.Roles, r.req.OptionalRoles, registration.SchemeApplication
	if r.delegated() {
		required, optional, scheme = r.req.Scopes, r.req.OptionalScopes, registration.SchemeDelegatedWork
	}
	ran := false
	for _, p := range probes(claim(r.token, "appid")) {
		need, want := tests(p, scheme, required), tests(p, scheme, optional)
		if !need && !want {
			continue
		}
		ran = true
		r.step(p.id, "Graph call for "+p.title, func() outcome {
			o := r.callProbe(p)
			if o.status == StatusFailed && !need {
				o.status = StatusWarning
			}
			return o
		})
	}
	if !ran {
		r.skip(CheckGraph, "Microsoft Graph", "no permission asked for has a probe")
	}
}

// tests reports whether p tests one of perms: the permission belongs to
// one of p's families and, per Microsoft's permission map, allows p's call
// in scheme (User.Invite.All is of the User family, but does not allow
// listing users).
func tests(p probe, scheme registration.Scheme, perms []string) bool {
	call, mapErr := registration.LeastPrivilege(http.MethodGet, p.path, scheme)
	for _, perm := range perms {
		family, _, _ := strings.Cut(perm, ".")
		for _, f := range p.families {
			if strings.EqualFold(f, family) && (mapErr != nil || call.AllowedBy([]string{perm})) {
				return true
			}
		}
	}
	return false
}

// callProbe makes the probe's call and reports it exactly: the method and
// path sent, and Graph's status, code and message.
func (r *run) callProbe(p probe) outcome {
	call := "GET /v1.0" + p.path
	g := r.graph.Graph()
	target, err := g.URL(p.path)
	if err != nil {
		return failed(err, call+": "+err.Error())
	}
	req, err := http.NewRequestWithContext(r.ctx, http.MethodGet, target, nil)
	if err != nil {
		return failed(err, call+": "+err.Error())
	}
	resp, err := g.Send(r.ctx, req)
	if err != nil {
		return failed(err, call+": no answer: "+Diagnose(err).Summary)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		ge := msgraph.ParseGraphError(resp)
		answer := fmt.Sprintf("%s answered %d", call, ge.StatusCode)
		switch {
		case ge.Code != "":
			answer += " " + ge.Code + ": " + ge.Message
		case ge.Message != "":
			answer += ": " + ge.Message
		}
		if ge.RequestID != "" {
			answer += " [request-id " + ge.RequestID + "]"
		}
		return failed(ge, answer)
	}
	var page struct {
		Value []json.RawMessage `json:"value"`
	}
	items := ""
	if strings.Contains(resp.Header.Get("Content-Type"), "json") &&
		json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&page) == nil && page.Value != nil {
		items = fmt.Sprintf(" (%d item(s))", len(page.Value))
	}
	return ok("%s answered %d%s", call, resp.StatusCode, items)
}

// registered reads the app's own registration, when its permissions allow,
// and checks its credentials' expiry and that the local certificate is the
// registered one.
func (r *run) registered() {
	roles := r.roles()
	if !containsFold(roles, "Application.Read.All") && !containsFold(roles, "Application.ReadWrite.All") &&
		!containsFold(roles, "Directory.Read.All") && !containsFold(roles, "Application.ReadWrite.OwnedBy") {
		r.skip(CheckRegisteredCredentials, "Registered credentials", "the app may not read its registration (Application.Read.All would let it)")
		return
	}
	r.step(CheckRegisteredCredentials, "Registered credentials", func() outcome {
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
