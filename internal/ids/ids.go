// Package ids checks the identifiers an administrator copies from the portal:
// tenant IDs, client IDs and secrets, with reasons that say what to do.
package ids

import (
	"errors"
	"strings"
)

// IsGUID reports whether s is a GUID in the 8-4-4-4-12 form.
func IsGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// IsDomain reports whether s is a DNS name such as contoso.onmicrosoft.com.
func IsDomain(s string) bool {
	if len(s) < 3 || len(s) > 253 || !strings.Contains(s, ".") {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// Tenant accepts a tenant GUID or verified domain. App-only tokens
// need a real tenant, so "common", "organizations" and "consumers" are
// refused with the reason.
func Tenant(t string) error {
	switch strings.ToLower(t) {
	case "":
		return errors.New("is empty: set the directory (tenant) ID, a GUID from the app's Overview page")
	case "common", "organizations", "consumers":
		return errors.New("is " + t + ": app-only tokens need the tenant's own ID (AADSTS9001023 otherwise)")
	}
	if IsGUID(t) || IsDomain(t) {
		return nil
	}
	switch {
	case strings.Contains(t, "://") || strings.Contains(t, "/"):
		return errors.New("is a URL, not a tenant: read a pasted Token or authority URL with graphauth.ParseAuthority, " +
			"and pass its TenantID (and its Cloud in Options)")
	case strings.TrimSpace(t) != t:
		return errors.New("has spaces around it: trim the tenant ID")
	}
	return errors.New("is neither a GUID nor a domain name")
}

// Client accepts a GUID.
func Client(c string) error {
	if c == "" {
		return errors.New("is empty: set the application (client) ID, a GUID from the app's Overview page")
	}
	if !IsGUID(c) {
		return errors.New("is not a GUID: use the application (client) ID, not the app's name or object ID URI")
	}
	return nil
}

// Secret checks a client secret's shape: not empty, not the secret's ID (a
// GUID, which the portal shows beside the value), no stray white space. It
// returns nil for a plausible value; only the platform can say it is right.
func Secret(s string) error {
	switch {
	case strings.TrimSpace(s) == "":
		return errors.New("is empty: copy the secret's Value from Certificates & secrets")
	case IsGUID(strings.TrimSpace(s)):
		return errors.New("looks like a GUID, which is the secret's ID: copy its Value instead (the portal shows it only once, when the secret is created)")
	case strings.TrimSpace(s) != s:
		return errors.New("has leading or trailing white space: it was probably copied with a line break")
	}
	return nil
}

// IsLoopbackHost reports whether host (without a port) is a loopback name:
// the hosts where plain http is allowed for redirect URIs (RFC 8252 §7.3).
func IsLoopbackHost(host string) bool {
	return strings.EqualFold(host, "localhost") || host == "127.0.0.1" || host == "::1" // host names ignore case
}
