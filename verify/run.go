package verify

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"go.opentelemetry.io/otel/trace"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/internal/ids"
	"github.com/entrakit/entrakit/registration"
)

// Requirements are what the app must be able to do.
type Requirements struct {
	// Roles are the Microsoft Graph application permissions the app needs,
	// e.g. "User.Read.All": an app-only token without one fails.
	Roles []string
	// OptionalRoles are application permissions the product uses when
	// granted (a feature that needs Reports.Read.All, say): one missing
	// warns, and holding one is not "unexpected".
	OptionalRoles []string
	// Scopes are the delegated permissions the app needs, for a signed-in
	// user's credential (graphauth.SignIn.Credential): a delegated token
	// (with scp) without one fails. An app-only token carries no scopes:
	// with one, this check is skipped.
	Scopes []string
	// OptionalScopes are delegated permissions used when granted.
	OptionalScopes []string
	// ProbeGraph calls Graph once per permission family asked for (users,
	// groups, domains, organization, subscribed SKUs, reports,
	// applications), and reports each call and Graph's answer (see the
	// ProbeX check IDs).
	ProbeGraph bool
	// LeastPrivilege is the least privileged permission set that the
	// product's calls need (registration.Recorder.Permissions over its
	// tests, or registration.LeastPrivilegeSet). When set, the token's
	// permissions (roles, or scp for a delegated set) are compared with it:
	// missing permissions, with the calls that need them, fail; excess ones
	// warn ("has Group.ReadWrite.All; the calls made need only
	// GroupMember.Read.All"). The zero value checks nothing.
	LeastPrivilege registration.PermissionSet
	// ExpiryWarning is how early an expiring secret or certificate is
	// reported. Zero means 30 days.
	ExpiryWarning time.Duration
}

// Options tells Run what it may know beyond the credential. Zero values are
// the defaults.
type Options struct {
	// Config is what the administrator entered. When set, the IDs, the
	// secret's shape and the certificate file are checked before any
	// request, and the token is compared with the IDs.
	Config *graphauth.Config
	// TenantID asks for a token in this tenant (a customer tenant of a
	// multi-tenant app). Empty means the credential's own.
	TenantID string
	// Cloud is the national cloud; zero means Config's (Config.Cloud: the
	// cloud its AuthorityHost names, or the credential's when that is on
	// the same host, as DoD is on US Government's), else the credential's
	// (graphauth.CloudOf), else the public cloud.
	Cloud graphauth.Cloud
	// GraphEndpoint overrides where Graph requests go (the fake's URL in
	// tests). Empty means the cloud's, or Config.GraphEndpoint when Cloud
	// comes from Config.
	GraphEndpoint string
	// HTTPClient sends the Graph requests. Nil means a 30-second client.
	HTTPClient *http.Client
	// Certificate is the certificate the credential signs with, held in
	// memory (one the product generated, say), when Config names no file:
	// it is checked like a file's (validity, expiry, thumbprint), and
	// compared with the certificates registered on the app. Its SHA-1
	// thumbprint is shown as the portal shows it, also next to the
	// platform's AADSTS700027. Nil means none, or Config's file.
	Certificate *x509.Certificate
	// TracerProvider receives a client span per Graph request Run makes.
	// Nil means no spans.
	TracerProvider trace.TracerProvider
	// Now is the clock for expiry checks. Nil means time.Now.
	Now func() time.Time
}

// run holds one verification in progress.
type run struct {
	ctx     context.Context
	cred    graphauth.TokenCredential
	req     Requirements
	opts    Options
	report  Report
	cert    *x509.Certificate // the local certificate, when Config named one
	token   jwt.MapClaims
	graph   *registration.Client
	clockFn func() time.Time
}

// Run verifies an app registration and credential the way a "Verify" button
// does, and returns the ordered checks (their IDs are the CheckX and ProbeX
// constants): configuration (IDs, secret shape, certificate validity,
// expiry and thumbprint, permission names), authentication (a token fresh
// from the platform, never a cached one, so that a permission granted a
// moment ago shows), token content (tenant, app, roles and scopes against
// the Requirements: Report.Permissions shows granted against needed),
// optional Graph probes, and the credentials registered in the tenant with
// their expiry when the app may read its own registration. Run does not
// stop at the first failure unless later checks depend on it; those are
// reported as skipped.
func Run(ctx context.Context, cred graphauth.TokenCredential, req Requirements, opts *Options) Report {
	r := &run{ctx: ctx, cred: cred, req: req, clockFn: time.Now}
	if opts != nil {
		r.opts = *opts
	}
	if r.opts.Now != nil {
		r.clockFn = r.opts.Now
	}
	if r.req.ExpiryWarning == 0 {
		r.req.ExpiryWarning = 30 * 24 * time.Hour
	}
	r.report.Started = r.clockFn()
	r.cert = r.opts.Certificate
	if c := r.opts.Config; c != nil {
		r.report.TenantID, r.report.ClientID = pastedTenant(c), c.ClientID
		// The Graph of the cloud the Config's AuthorityHost names, as its
		// credential's tokens are for (a standalone fake's own address).
		if r.opts.Cloud.GraphEndpoint == "" && c.AuthorityHost != "" {
			r.opts.Cloud = c.Cloud()
			// A credential of a cloud on the same authority host knows
			// which it is: DoD shares US Government's, which the host
			// alone names.
			if own, ok := graphauth.CloudOf(cred); ok && own.GraphEndpoint != "" &&
				strings.EqualFold(strings.TrimSuffix(own.AuthorityHost, "/"), strings.TrimSuffix(r.opts.Cloud.AuthorityHost, "/")) {
				r.opts.Cloud = own
			}
			if r.opts.GraphEndpoint == "" && c.GraphEndpoint() != c.Cloud().GraphEndpoint {
				r.opts.GraphEndpoint = c.GraphEndpoint() // a standalone fake's own address
			}
		}
	}
	if c, ok := graphauth.CloudOf(cred); ok && r.opts.Cloud.GraphEndpoint == "" {
		r.opts.Cloud = c // the credential's own cloud, without a Config
	}
	if r.opts.TenantID != "" {
		r.report.TenantID = r.opts.TenantID
	}
	r.configuration()
	authenticated := r.step(CheckAuthentication, "Authentication", r.authenticate) == StatusOK
	if authenticated {
		r.step(CheckTokenIdentity, "Token identity", r.tokenIdentity)
		r.permissionChecks()
		if r.req.LeastPrivilege.Scheme != 0 {
			r.step(CheckLeastPrivilege, "Least privilege for the calls made", r.leastPrivilege)
		}
	} else {
		r.skip(CheckTokenIdentity, "Token identity", "no token")
		r.skip(CheckTokenPermissions, "Permissions in the token", "no token")
		if len(r.req.Scopes)+len(r.req.OptionalScopes) > 0 {
			r.skip(CheckTokenScopes, "Delegated permissions in the token", "no token")
		}
		if r.req.LeastPrivilege.Scheme != 0 {
			r.skip(CheckLeastPrivilege, "Least privilege for the calls made", "no token")
		}
	}
	r.graphChecks(authenticated)
	if _, ok := r.cred.(Statuser); ok {
		r.step("credentials.expiry", "Days to expiry", r.expiry)
	}
	for _, c := range r.report.Checks {
		if c.Status.rank() > r.report.Status.rank() || r.report.Status == "" {
			r.report.Status = c.Status
		}
	}
	if r.report.Status == StatusSkipped {
		r.report.Status = StatusOK
	}
	return r.report
}

// outcome is what a check function returns.
type outcome struct {
	status Status
	detail string
	diag   *Diagnosis
}

func ok(detail string, args ...any) outcome {
	return outcome{StatusOK, fmt.Sprintf(detail, args...), nil}
}

func failed(err error, detail string) outcome {
	d := Diagnose(err)
	if detail == "" {
		detail = d.Summary
	}
	return outcome{StatusFailed, detail, &d}
}

// step runs one check, timing it.
func (r *run) step(id, title string, fn func() outcome) Status {
	start := time.Now()
	o := fn()
	if o.diag != nil {
		*o.diag = o.diag.in(r.opts.Cloud) // commands for the cloud checked
	}
	r.report.Checks = append(r.report.Checks, Check{ID: id, Title: title, Status: o.status, Detail: o.detail, Diagnosis: o.diag,
		DurationMS: float64(time.Since(start).Microseconds()) / 1000})
	return o.status
}

func (r *run) skip(id, title, why string) {
	r.report.Checks = append(r.report.Checks, Check{ID: id, Title: title, Status: StatusSkipped, Detail: why})
}

func (r *run) configuration() {
	c := r.opts.Config
	if c == nil {
		r.skip(CheckConfig, "Configuration", "no configuration given")
	} else {
		r.step(CheckTenantID, "Directory (tenant) ID", r.tenantID)
		r.step(CheckClientID, "Application (client) ID", func() outcome {
			if err := registration.CheckClientID(c.ClientID); err != nil {
				return failed(err, "")
			}
			if strings.EqualFold(c.ClientID, pastedTenant(c)) {
				return failed(&registration.IDError{Field: "ClientID", Reason: "is the Directory (tenant) ID: the Application (client) ID is the other GUID on the app's Overview page"}, "")
			}
			return ok("%s", c.ClientID)
		})
		if c.ClientSecret != "" {
			r.step(CheckSecret, "Client secret", func() outcome {
				if err := registration.CheckSecret(string(c.ClientSecret)); err != nil {
					return failed(err, "")
				}
				return ok("set, %d characters", len(c.ClientSecret))
			})
		}
	}
	if (c != nil && c.CertificatePath != "") || r.cert != nil {
		r.step(CheckCertificate, "Certificate", r.certificate)
	}
	roles := append(append([]string(nil), r.req.Roles...), r.req.OptionalRoles...)
	scopes := append(append([]string(nil), r.req.Scopes...), r.req.OptionalScopes...)
	if len(roles)+len(scopes) > 0 {
		r.step(CheckPermissionNames, "Required permission names", func() outcome {
			if _, err := registration.ResolveGraphPermissions(roles, graphScopes(scopes)); err != nil {
				return failed(err, "")
			}
			return ok("%s", strings.Join(append(roles, scopes...), ", "))
		})
	}
}

// tenantID checks the configured tenant: a GUID or domain, or a URL the
// administrator pasted (the app's Token URL, say), read by
// graphauth.ParseAuthority as graphauth.NewCredential reads it.
func (r *run) tenantID() outcome {
	t := r.opts.Config.TenantID
	if !strings.ContainsAny(t, "/:") {
		if err := registration.CheckTenantID(t); err != nil {
			return failed(err, "")
		}
		return ok("%s", t)
	}
	a, err := graphauth.ParseAuthority(t, customClouds(r.opts.Config)...)
	if err != nil {
		return failed(err, "")
	}
	if err := registration.CheckTenantID(a.TenantID); err != nil {
		return failed(err, "")
	}
	cloud := a.Cloud.Name
	if cloud == "" {
		cloud = "public"
	}
	return ok("%s (from a pasted %s URL, %s endpoint, cloud %s)", a.TenantID, orWord(a.Endpoint, "authority"), a.Version, cloud)
}

// pastedTenant is the tenant of the URL pasted as c's tenant, or the
// tenant as configured.
func pastedTenant(c *graphauth.Config) string {
	if !strings.ContainsAny(c.TenantID, "/:") {
		return c.TenantID
	}
	if a, err := graphauth.ParseAuthority(c.TenantID, customClouds(c)...); err == nil {
		return a.TenantID
	}
	return c.TenantID
}

// customClouds accepts c's AuthorityHost in a pasted URL.
func customClouds(c *graphauth.Config) []graphauth.Cloud {
	if c.AuthorityHost == "" {
		return nil
	}
	return []graphauth.Cloud{{Name: "Custom", AuthorityHost: c.AuthorityHost}}
}

func orWord(s, word string) string {
	if s == "" {
		return word
	}
	return s
}

// graphScopes keeps the scopes that name Microsoft Graph permissions: the
// OpenID scopes (offline_access, openid, profile, email) and other
// resources' scopes are not in Graph's catalog.
func graphScopes(scopes []string) []string {
	var out []string
	for _, s := range scopes {
		switch strings.ToLower(s) {
		case "openid", "profile", "email", "offline_access":
			continue
		}
		if strings.Contains(s, "://") {
			if rest, ok := strings.CutPrefix(s, "https://graph.microsoft.com/"); ok {
				out = append(out, rest)
			}
			continue
		}
		out = append(out, s)
	}
	return out
}

// authenticate asks the platform for a new token, bypassing every cache:
// a token carries the permissions granted when it was issued, and an
// administrator who has just granted one verifies to see it.
func (r *run) authenticate() outcome {
	tok, err := r.cred.Token(r.ctx, graphauth.TokenRequest{TenantID: r.opts.TenantID, Fresh: true})
	if err != nil {
		o := failed(err, "")
		var ae *graphauth.AuthError
		if r.cert != nil && errors.As(err, &ae) && hasCode(ae.AADSTS, 700027) {
			o.detail += " The certificate in use has the thumbprint " + registration.Thumbprint(r.cert) +
				"; compare it with the thumbprints under Certificates & secrets."
			if o.diag != nil {
				o.diag.Summary += " Thumbprint in use: " + registration.Thumbprint(r.cert) + "."
			}
		}
		return o
	}
	r.token = jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(tok.AccessToken, r.token); err != nil {
		r.token = jwt.MapClaims{} // opaque tokens are possible for other resources; Graph's are JWTs
	}
	return ok("token acquired from tenant %s, valid until %s", claim(r.token, "tid"), tok.ExpiresOn.UTC().Format(time.RFC3339))
}

func claim(c jwt.MapClaims, k string) string {
	v, _ := c[k].(string)
	if v == "" {
		return "(unknown)"
	}
	return v
}

func (r *run) tokenIdentity() outcome {
	tid, appid := claim(r.token, "tid"), claim(r.token, "appid")
	if c := r.opts.Config; c != nil && !strings.EqualFold(appid, c.ClientID) && appid != "(unknown)" {
		d := Diagnosis{Code: "WrongApp", Summary: "The token is for app " + appid + ", not the configured " + c.ClientID + ".",
			Action: "Check which credential is configured."}
		return outcome{StatusFailed, "app " + appid, &d}
	}
	want := r.opts.TenantID
	if want == "" && r.opts.Config != nil {
		want = pastedTenant(r.opts.Config)
	}
	if ids.IsGUID(want) && !strings.EqualFold(tid, want) && tid != "(unknown)" {
		d := Diagnosis{Code: "WrongTenant", Summary: "The token was issued by tenant " + tid + ", not " + want + ".",
			Action: "Check the tenant ID in the configuration."}
		return outcome{StatusFailed, "tenant " + tid, &d}
	}
	return ok("tenant %s, app %s", tid, appid)
}

func hasCode(codes []int, code int) bool {
	for _, c := range codes {
		if c == code {
			return true
		}
	}
	return false
}
