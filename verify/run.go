package verify

import (
	"context"
	"crypto/x509"
	"fmt"
	"github.com/entrakit/entrakit/internal/ids"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/registration"
)

// Requirements are what the app must be able to do.
type Requirements struct {
	// Roles are the Microsoft Graph application permissions the app needs,
	// e.g. "User.Read.All".
	Roles []string
	// ProbeGraph calls Graph once per permission family required (users,
	// groups, organization, applications) and reports a 403 per family.
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
	// Cloud is the national cloud; zero means the public cloud.
	Cloud graphauth.Cloud
	// GraphEndpoint overrides where Graph requests go (the fake's URL in
	// tests). Empty means the cloud's.
	GraphEndpoint string
	// HTTPClient sends the Graph requests. Nil means a 30-second client.
	HTTPClient *http.Client
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
// does, and returns the ordered checks: configuration (IDs, secret shape,
// certificate validity and expiry, permission names), authentication (a
// token, and from which tenant), token content (tenant, app, roles against
// Requirements.Roles: missing and unexpected), an optional Graph probe, and
// the credentials registered in the tenant with their expiry when the app
// may read its own registration. Run does not stop at the first failure
// unless later checks depend on it; those are reported as skipped.
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
	if c := r.opts.Config; c != nil {
		r.report.TenantID, r.report.ClientID = c.TenantID, c.ClientID
	}
	if r.opts.TenantID != "" {
		r.report.TenantID = r.opts.TenantID
	}
	r.configuration()
	authenticated := r.step("auth.token", "Authentication", r.authenticate) == StatusOK
	if authenticated {
		r.step("token.identity", "Token identity", r.tokenIdentity)
		r.step("token.permissions", "Permissions in the token", r.tokenPermissions)
		if r.req.LeastPrivilege.Scheme != 0 {
			r.step("token.least_privilege", "Least privilege for the calls made", r.leastPrivilege)
		}
	} else {
		r.skip("token.identity", "Token identity", "no token")
		r.skip("token.permissions", "Permissions in the token", "no token")
		if r.req.LeastPrivilege.Scheme != 0 {
			r.skip("token.least_privilege", "Least privilege for the calls made", "no token")
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
		r.skip("config", "Configuration", "no configuration given")
	} else {
		r.step("config.tenant_id", "Directory (tenant) ID", func() outcome {
			if err := registration.CheckTenantID(c.TenantID); err != nil {
				return failed(err, "")
			}
			return ok("%s", c.TenantID)
		})
		r.step("config.client_id", "Application (client) ID", func() outcome {
			if err := registration.CheckClientID(c.ClientID); err != nil {
				return failed(err, "")
			}
			return ok("%s", c.ClientID)
		})
		if c.ClientSecret != "" {
			r.step("config.secret", "Client secret", func() outcome {
				if err := registration.CheckSecret(string(c.ClientSecret)); err != nil {
					return failed(err, "")
				}
				return ok("set, %d characters", len(c.ClientSecret))
			})
		}
		if c.CertificatePath != "" {
			r.step("config.certificate", "Certificate", r.certificate)
		}
	}
	if len(r.req.Roles) > 0 {
		r.step("config.permissions", "Required permission names", func() outcome {
			if _, err := registration.ResolveGraphPermissions(r.req.Roles, nil); err != nil {
				return failed(err, "")
			}
			return ok("%s", strings.Join(r.req.Roles, ", "))
		})
	}
}

func (r *run) certificate() outcome {
	cert, err := registration.LoadCertificate(r.opts.Config.CertificatePath, r.opts.Config.CertificatePassword)
	if err != nil {
		return failed(err, "")
	}
	leaf := cert.Leaf()
	r.cert = leaf
	now := r.clockFn()
	thumb := registration.Thumbprint(leaf)
	switch {
	case now.After(leaf.NotAfter):
		d := Diagnosis{Code: "CertificateExpired", Summary: "The certificate expired on " + leaf.NotAfter.Format(time.DateOnly) + ".",
			Action: "Create a new certificate, upload its .cer to the app, and configure it here.", Portal: portalCreds}
		return outcome{StatusFailed, "thumbprint " + thumb + ", expired", &d}
	case now.Before(leaf.NotBefore):
		d := Diagnosis{Code: "CertificateNotYetValid", Summary: "The certificate is valid only from " + leaf.NotBefore.Format(time.RFC3339) + ".",
			Action: "Check the machine's clock, or use a certificate that is valid now."}
		return outcome{StatusFailed, "thumbprint " + thumb + ", not yet valid", &d}
	case now.Add(r.req.ExpiryWarning).After(leaf.NotAfter):
		d := Diagnosis{Code: "CertificateExpiring", Summary: "The certificate expires on " + leaf.NotAfter.Format(time.DateOnly) + ".",
			Action: "Create the next certificate and upload it before then; the old one keeps working until it expires.", Portal: portalCreds}
		return outcome{StatusWarning, "thumbprint " + thumb + ", expires " + leaf.NotAfter.Format(time.DateOnly), &d}
	}
	return ok("thumbprint %s, key matches, valid until %s", thumb, leaf.NotAfter.Format(time.DateOnly))
}

func (r *run) authenticate() outcome {
	tok, err := r.cred.Token(r.ctx, graphauth.TokenRequest{TenantID: r.opts.TenantID})
	if err != nil {
		return failed(err, "")
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
		want = r.opts.Config.TenantID
	}
	if ids.IsGUID(want) && !strings.EqualFold(tid, want) && tid != "(unknown)" {
		d := Diagnosis{Code: "WrongTenant", Summary: "The token was issued by tenant " + tid + ", not " + want + ".",
			Action: "Check the tenant ID in the configuration."}
		return outcome{StatusFailed, "tenant " + tid, &d}
	}
	return ok("tenant %s, app %s", tid, appid)
}

func (r *run) roles() []string {
	var out []string
	list, _ := r.token["roles"].([]any)
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

func (r *run) tokenPermissions() outcome {
	have := r.roles()
	var missing, extra []string
	for _, want := range r.req.Roles {
		if !containsFold(have, want) {
			missing = append(missing, want)
		}
	}
	for _, h := range have {
		if !containsFold(r.req.Roles, h) {
			extra = append(extra, h)
		}
	}
	switch {
	case len(missing) > 0:
		tenant := r.report.TenantID
		if tenant == "" {
			tenant = "{tenant}"
		}
		d := Diagnosis{Code: "PermissionsMissing", Missing: missing,
			Summary: "The token lacks " + strings.Join(missing, ", ") + ": the permissions are not granted (admin consent), or were granted moments ago and have not taken effect.",
			Action:  "Add the permissions to the app and grant admin consent; a grant can take a few minutes to show in new tokens.",
			Portal:  portalAPI,
			Command: "GET https://login.microsoftonline.com/" + tenant + "/v2.0/adminconsent?client_id=" + orDash(r.report.ClientID) + "&scope=https://graph.microsoft.com/.default&redirect_uri={redirect}"}
		return outcome{StatusFailed, "has " + listOrNone(have) + "; missing " + strings.Join(missing, ", "), &d}
	case len(extra) > 0 && len(r.req.Roles) > 0:
		d := Diagnosis{Code: "PermissionsUnexpected", Summary: "The app holds permissions it was not required to have: " + strings.Join(extra, ", ") + ".",
			Action: "Remove the permissions the product does not use (least privilege).", Portal: portalAPI}
		return outcome{StatusWarning, "has " + listOrNone(have) + "; not required: " + strings.Join(extra, ", "), &d}
	}
	return ok("%s", listOrNone(have))
}

func listOrNone(l []string) string {
	if len(l) == 0 {
		return "no application permissions"
	}
	return strings.Join(l, ", ")
}

func containsFold(list []string, v string) bool {
	for _, x := range list {
		if strings.EqualFold(x, v) {
			return true
		}
	}
	return false
}
