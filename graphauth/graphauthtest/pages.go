package graphauthtest

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"time"
)

// The fake's pages are deliberately plain: they exist for browser tests to
// drive (ids on every control), not to look like Microsoft's.
var pages = template.Must(template.New("").Parse(`
{{define "head"}}<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{{.}}</title>
<style>body{font-family:sans-serif;max-width:32em;margin:3em auto;color:#1b1b1b}
button{padding:.5em 1.5em;margin-right:1em}input{width:100%;padding:.4em}li{margin:.2em 0}</style></head><body>{{end}}

{{define "error"}}{{template "head" "Sign in error"}}
<h1>Sorry, but we're having trouble signing you in.</h1>
<p id="error" data-code="{{.Code}}">{{.Message}}</p>
<p><small>Request Id: {{.Trace}}<br>Correlation Id: {{.Correlation}}<br>Timestamp: {{.Time}}</small></p></body></html>{{end}}

{{define "formpost"}}{{template "head" "Working..."}}
<form id="response" method="post" action="{{.Action}}">
{{range .Fields}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">{{end}}
<noscript><button type="submit">Continue</button></noscript></form>
<script>document.getElementById("response").submit()</script></body></html>{{end}}

{{define "signin"}}{{template "head" "Sign in to your account"}}
<h1>{{if .Admin}}Permissions requested — accept for your organization{{else}}Sign in{{end}}</h1>
<p><strong id="app">{{.App}}</strong> wants to:</p>
<ul id="permissions">{{range .Permissions}}<li>{{.}}</li>{{end}}</ul>
<form id="signin" method="post" action="{{.Action}}">
{{range .Fields}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">{{end}}
<label for="login">Account</label>
<input id="login" name="login" type="email" value="{{.Login}}" autocomplete="username" required>
<p><button id="accept" name="action" value="accept" type="submit">Accept</button>
<button id="cancel" name="action" value="cancel" type="submit" formnovalidate>Cancel</button></p>
</form></body></html>{{end}}

{{define "lookup"}}{{template "head" "Error code lookup"}}
<h1>Error code lookup</h1>{{if .}}<p id="code">AADSTS{{.}}</p>
<p>This is the page that the error_uri of a refusal with this code points to. The refusal's error_description says what went wrong.</p>
{{else}}<p id="code">Enter a numeric code, as in /error?code=7000215.</p>{{end}}</body></html>{{end}}

{{define "signedout"}}{{template "head" "Signed out"}}<h1>You signed out of your account.</h1></body></html>{{end}}
`))

type field struct{ Name, Value string }

func fields(v url.Values) []field {
	var out []field
	for k, vs := range v {
		for _, x := range vs {
			out = append(out, field{k, x})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func render(w http.ResponseWriter, status int, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if w.Header().Get("Cache-Control") == "" {
		w.Header().Set("Cache-Control", "no-store, no-cache")
	}
	w.WriteHeader(status)
	_ = pages.ExecuteTemplate(w, name, data) // the browser went away; nothing to do
}

func renderError(w http.ResponseWriter, e *oauthError, idv wireIDs, now time.Time) {
	render(w, e.status, "error", map[string]any{
		"Code":        e.aadsts,
		"Message":     fmt.Sprintf("AADSTS%d: %s", e.aadsts, e.msg),
		"Trace":       idv.trace,
		"Correlation": idv.correlation,
		"Time":        now.UTC().Format(time.RFC3339),
	})
}

func renderFormPost(w http.ResponseWriter, action string, params url.Values) {
	render(w, http.StatusOK, "formpost", map[string]any{"Action": action, "Fields": fields(params)})
}

func renderErrorLookup(w http.ResponseWriter, status, code int) {
	render(w, status, "lookup", code)
}

func renderSignedOut(w http.ResponseWriter) { render(w, http.StatusOK, "signedout", nil) }

// renderSignIn shows the sign-in and consent page; its form posts the
// original parameters back with "login" and "action".
func (s *Server) renderSignIn(w http.ResponseWriter, r *http.Request, ar *authzRequest, perms []string, admin bool) {
	keep := url.Values{}
	for k, v := range ar.q {
		if k != "login" && k != "action" {
			keep[k] = v
		}
	}
	render(w, http.StatusOK, "signin", map[string]any{
		"Admin":       admin,
		"App":         ar.app.DisplayName,
		"Permissions": perms,
		"Action":      r.URL.Path,
		"Fields":      fields(keep),
		"Login":       ar.q.Get("login_hint"),
	})
}
