package graphauth

import (
	"errors"
	"fmt"
	"strings"
)

// graphAppID is Microsoft Graph's app ID, which names it in a scope as
// well as its URI does.
const graphAppID = "00000003-0000-0000-c000-000000000000"

// isOIDCScope reports an OpenID Connect scope: these belong to no
// resource, MSAL adds openid, profile and offline_access to every request
// itself, and the platform never lists offline_access among the scopes it
// granted.
func isOIDCScope(sc string) bool {
	switch strings.ToLower(sc) {
	case "openid", "profile", "email", "offline_access":
		return true
	}
	return false
}

// scopeOf splits a scope into its resource (lower case, without a trailing
// slash; "" for Microsoft Graph) and the spelling to ask MSAL for: a Graph
// scope by short name, as the platform writes it back (MSAL refuses an
// answer that lacks a scope as asked), Graph's .default in full, another
// resource's scope as given. oidc reports an OpenID Connect scope, also
// one written with Graph's URI.
func (s *SignIn) scopeOf(sc string) (resource, asked string, oidc bool) {
	i := strings.LastIndex(sc, "/")
	if i <= 0 {
		return "", sc, isOIDCScope(sc)
	}
	res, value := strings.ToLower(strings.TrimRight(sc[:i], "/")), sc[i+1:]
	if res != strings.ToLower(s.opts.cloud.GraphEndpoint) && res != graphAppID {
		return res, sc, false
	}
	if value == ".default" {
		return "", s.opts.cloud.GraphEndpoint + "/.default", false
	}
	return "", value, isOIDCScope(value)
}

// resourceScopes groups scopes by resource, in the order each resource is
// first named, leaving out OpenID Connect scopes and duplicates.
func (s *SignIn) resourceScopes(scopes []string) [][]string {
	var order []string
	groups := map[string][]string{}
	for _, sc := range scopes {
		res, asked, oidc := s.scopeOf(sc)
		if oidc || asked == "" {
			continue
		}
		if _, ok := groups[res]; !ok {
			order = append(order, res)
		}
		if !containsScope(groups[res], asked) {
			groups[res] = append(groups[res], asked)
		}
	}
	out := make([][]string, len(order))
	for i, res := range order {
		out[i] = groups[res]
	}
	return out
}

// tokenScopes returns what to ask MSAL for one token: the scopes of one
// resource. No resource scope at all (nil, or OpenID Connect scopes alone)
// means the first resource of SignInOptions.Scopes, and when those name
// none either, Microsoft Graph's .default: every Graph permission the user
// or an administrator consented to. Scopes of two resources are refused
// before anything is sent with a *ScopeError, ScopeMultipleResources; a
// malformed scope with a *ConfigError.
func (s *SignIn) tokenScopes(scopes []string) ([]string, error) {
	if err := checkScopes("Scopes", scopes); err != nil {
		return nil, err
	}
	groups := s.resourceScopes(scopes)
	switch {
	case len(groups) > 1:
		return nil, &ScopeError{Problem: ScopeMultipleResources, Scopes: append([]string(nil), scopes...)}
	case len(groups) == 1:
		return groups[0], nil
	}
	if def := s.resourceScopes(s.scopes); len(def) > 0 {
		return def[0], nil
	}
	return []string{s.opts.cloud.DefaultScope()}, nil
}

// authorizeScope is the scope parameter of a sign-in: the OpenID Connect
// scopes MSAL's redemption asks for, once each, then every scope of every
// resource, as the platform takes consent to several resources at once. An
// OpenID Connect scope written with Graph's URI is sent bare.
func (s *SignIn) authorizeScope(scopes []string) string {
	out := []string{"openid", "profile", "offline_access"}
	for _, sc := range scopes {
		if _, asked, oidc := s.scopeOf(sc); oidc {
			sc = strings.ToLower(asked)
		}
		if !containsScope(out, sc) {
			out = append(out, sc)
		}
	}
	return strings.Join(out, " ")
}

// checkScopes refuses a scope that cannot go into a scope parameter: an
// empty one, or one holding a space, a control character or a comma (a
// list joined the wrong way).
func checkScopes(field string, scopes []string) error {
	for _, sc := range scopes {
		if sc == "" || strings.ContainsFunc(sc, func(r rune) bool { return r <= ' ' || r == 0x7f || r == ',' }) {
			return &ConfigError{Field: field, Reason: fmt.Sprintf("holds %q: give each scope as its own element, without spaces or commas", clip(sc, 80))}
		}
	}
	return nil
}

// Bounds on the granted scopes kept from a token response.
const (
	maxGrantedScopes   = 200
	maxGrantedScopeLen = 512
)

// grantedScopes keeps the scopes a token response named that can be shown
// safely: printable ASCII without spaces, of a bounded length and number.
// Anything else (a control character, a line break that would forge a log
// line) is left out: a real platform never sends it.
func grantedScopes(scopes []string) []string {
	var out []string
	for _, sc := range scopes {
		if len(out) == maxGrantedScopes {
			break
		}
		if sc != "" && len(sc) <= maxGrantedScopeLen && !strings.ContainsFunc(sc, func(r rune) bool { return r <= ' ' || r > '~' }) {
			out = append(out, sc)
		}
	}
	return out
}

// ScopeProblem says what was wrong with the scopes of a sign-in or token
// request.
type ScopeProblem string

// The problems a ScopeError reports.
const (
	// ScopeDeclined: the user or administrator declined consent
	// (AADSTS65004), or the platform granted fewer scopes than asked.
	ScopeDeclined ScopeProblem = "declined"
	// ScopeUnknown: the resource does not expose the scope (AADSTS650053,
	// AADSTS70011), or the tenant does not know the resource
	// (AADSTS500011).
	ScopeUnknown ScopeProblem = "unknown"
	// ScopeNotConsented: a silent token was asked for a scope nobody
	// consented to (AADSTS65001).
	ScopeNotConsented ScopeProblem = "not_consented"
	// ScopeNeedsAdmin: only an administrator may consent to the scopes
	// (AADSTS90094), or the user's request for them awaits an
	// administrator's approval (AADSTS90095).
	ScopeNeedsAdmin ScopeProblem = "needs_admin"
	// ScopeMultipleResources: one token request named scopes of more than
	// one resource (AADSTS28000, AADSTS700022, or refused before sending).
	ScopeMultipleResources ScopeProblem = "multiple_resources"
)

// ScopeError reports scopes that could not be had: which scopes, why, and
// (Action) what to do. Err is the platform's *AuthError, when it sent one,
// so that errors.As finds the AADSTS code, trace and correlation IDs
// through a ScopeError too.
type ScopeError struct {
	Problem ScopeProblem
	Scopes  []string // the scopes concerned, as asked or as the platform named them
	Err     error
}

// Error is one line: the problem, the scopes and what to do.
func (e *ScopeError) Error() string {
	return fmt.Sprintf("graphauth: scopes %s: %s. %s", e.Problem, strings.Join(e.Scopes, " "), e.Action())
}

// Unwrap returns the platform's *AuthError, or nil.
func (e *ScopeError) Unwrap() error { return e.Err }

// Action is what to do about the problem, for an administrator or a user.
func (e *ScopeError) Action() string {
	switch e.Problem {
	case ScopeDeclined:
		return "Sign in again and accept the permissions, or have an administrator grant them tenant-wide (admin consent); or stop asking for them"
	case ScopeUnknown:
		return "Check each scope's spelling against the resource's published permissions (for Graph, the exact permission name such as User.Read) and that the tenant has the resource's service principal"
	case ScopeNotConsented:
		return "Sign the user in again with these scopes in AuthRequest.Scopes (incremental consent), or have an administrator grant them"
	case ScopeNeedsAdmin:
		return "Have an administrator grant these permissions for the organization (admin consent, or approve the user's request), then sign in again"
	case ScopeMultipleResources:
		return "Ask one token per resource: sign in with all of them, then call Token once per resource"
	}
	return "See the platform's error"
}

// scopeFailure turns an error the platform sent about scopes into a
// *ScopeError naming asked (or the scopes MSAL found declined); any other
// error comes back as it is.
func scopeFailure(err error, asked []string) error {
	var ae *AuthError
	if !errors.As(err, &ae) {
		return err
	}
	if reason := ae.Error(); strings.Contains(reason, "declined scopes are present: ") {
		_, list, _ := strings.Cut(reason, "declined scopes are present: ")
		list, _, _ = strings.Cut(list, " ")
		return &ScopeError{Problem: ScopeDeclined, Scopes: strings.Split(strings.TrimRight(list, ".,"), ","), Err: ae}
	}
	var problem ScopeProblem
	switch {
	case ae.HasCode(65004):
		problem = ScopeDeclined
	case ae.HasCode(650053), ae.HasCode(70011), ae.HasCode(500011):
		problem = ScopeUnknown
	case ae.HasCode(65001):
		problem = ScopeNotConsented
	case ae.HasCode(90094), ae.HasCode(90095):
		problem = ScopeNeedsAdmin
	case ae.HasCode(28000), ae.HasCode(700022):
		problem = ScopeMultipleResources
	default:
		return err
	}
	return &ScopeError{Problem: problem, Scopes: append([]string(nil), asked...), Err: ae}
}
