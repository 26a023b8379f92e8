package verify

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/registration"
)

// CredentialExpiry is one credential of an app with the days left before
// it ends.
type CredentialExpiry struct {
	Kind       string    `json:"kind"`                 // "secret" or "certificate"
	KeyID      string    `json:"keyId,omitempty"`      // Graph's keyId; empty for one known only locally
	Name       string    `json:"name"`                 // display name, or the local credential's name
	Thumbprint string    `json:"thumbprint,omitempty"` // certificates: SHA-1, upper-case hex
	End        time.Time `json:"end"`                  // zero when not known
	DaysLeft   int       `json:"daysLeft"`             // whole days from now to End, negative once ended; 0 when End is unknown
	InUse      bool      `json:"inUse"`                // the credential tokens are requested with
}

// Statuser is a credential that says which client credentials it holds
// and which it uses, as graphauth.FallbackCredential does.
type Statuser interface {
	Status() []graphauth.CredentialStatus
}

// CredentialExpiries lists the app's registered credentials (from Graph;
// app may be the zero Application when the registration is not readable)
// with their days to expiry at now, and marks the one inUse names (a
// certificate by thumbprint, a secret by hint). A credential in use that
// the registration does not list (or that could not be read) is added from
// what is known locally.
func CredentialExpiries(app registration.Application, inUse []graphauth.CredentialStatus, now time.Time) []CredentialExpiry {
	var active *graphauth.CredentialStatus
	for i := range inUse {
		if inUse[i].Active {
			active = &inUse[i]
		}
	}
	var out []CredentialExpiry
	matched := false
	// A hint is three characters: two secrets may share one, and the one
	// in use is then taken to be the one that ends last (the newest), not
	// every one of them (an old expired secret would fail the check).
	newest := -1
	for i, p := range app.PasswordCredentials {
		if active != nil && active.Hint != "" && p.Hint != "" && active.Hint == p.Hint &&
			(newest < 0 || p.EndDateTime.After(app.PasswordCredentials[newest].EndDateTime)) {
			newest = i
		}
	}
	for i, p := range app.PasswordCredentials {
		e := CredentialExpiry{Kind: "secret", KeyID: p.KeyID, Name: p.DisplayName, End: p.EndDateTime}
		if i == newest {
			e.InUse, matched = true, true
		}
		out = append(out, e)
	}
	for _, k := range app.KeyCredentials {
		e := CredentialExpiry{Kind: "certificate", KeyID: k.KeyID, Name: k.DisplayName, Thumbprint: k.Thumbprint()}
		if k.EndDateTime != nil {
			e.End = *k.EndDateTime
		}
		if active != nil && active.Thumbprint != "" && strings.EqualFold(active.Thumbprint, e.Thumbprint) {
			e.InUse, matched = true, true
		}
		out = append(out, e)
	}
	if active != nil && !matched {
		kind := "secret"
		if active.Thumbprint != "" {
			kind = "certificate"
		}
		out = append(out, CredentialExpiry{Kind: kind, Name: active.Name, Thumbprint: active.Thumbprint, End: active.Expires, InUse: true})
	}
	for i := range out {
		if !out[i].End.IsZero() {
			out[i].DaysLeft = int(math.Floor(out[i].End.Sub(now).Hours() / 24))
		}
	}
	return out
}

// expiry is the "credentials.expiry" check: days to expiry for every
// registered credential and for the one in use. The one in use decides the
// status: expired fails, within ExpiryWarning warns.
func (r *run) expiry() outcome {
	var inUse []graphauth.CredentialStatus
	if s, ok := r.cred.(Statuser); ok {
		inUse = s.Status()
	}
	var app registration.Application
	if r.graph != nil && r.token != nil {
		if a, err := r.graph.ApplicationByAppID(r.ctx, claim(r.token, "appid")); err == nil {
			app = a
		}
	}
	list := CredentialExpiries(app, inUse, r.clockFn())
	if len(list) == 0 {
		return outcome{StatusSkipped, "neither the registration nor the credential tells when a credential ends", nil}
	}
	o := outcome{status: StatusOK}
	var notes []string
	for _, e := range list {
		label := e.Kind + " " + orDash(e.Name)
		if e.Thumbprint != "" {
			label += " (" + e.Thumbprint + ")"
		}
		note := label + ": end unknown"
		if !e.End.IsZero() {
			note = fmt.Sprintf("%s: %d days left (%s)", label, e.DaysLeft, e.End.UTC().Format(time.DateOnly))
		}
		if e.InUse {
			note = "in use: " + note
			o = r.inUseOutcome(e, o)
		}
		notes = append(notes, note)
	}
	o.detail = strings.Join(notes, "; ")
	return o
}

func (r *run) inUseOutcome(e CredentialExpiry, o outcome) outcome {
	now := r.clockFn()
	switch {
	case e.End.IsZero():
		return o
	case !now.Before(e.End):
		d := Diagnose(errAADSTS(7000222))
		d.Summary = fmt.Sprintf("The %s in use ended on %s.", e.Kind, e.End.UTC().Format(time.DateOnly))
		return outcome{StatusFailed, "", &d}
	case now.Add(r.req.ExpiryWarning).After(e.End):
		d := Diagnosis{Code: "CredentialExpiring", Summary: fmt.Sprintf("The %s in use ends in %d days.", e.Kind, e.DaysLeft),
			Action: "Add its successor and switch over (registration.Rotator does both) before it ends.", Portal: portalCreds}
		return outcome{StatusWarning, "", &d}
	}
	return o
}
