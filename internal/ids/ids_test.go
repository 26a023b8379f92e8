package ids

import (
	"strings"
	"testing"
)

func TestIDs(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"72f988bf-86f1-41af-91ab-2d7cd011db47", "contoso.onmicrosoft.com", "CONTOSO.COM"} {
		if err := Tenant(ok); err != nil {
			t.Errorf("Tenant(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "common", "organizations", "consumers", "contoso", "a..b", "-a.com", "x/y.com", "72f988bf-86f1-41af-91ab-2d7cd011db4"} {
		if Tenant(bad) == nil {
			t.Errorf("Tenant(%q) accepted", bad)
		}
	}
	if Client("72f988bf-86f1-41af-91ab-2d7cd011db47") != nil || Client("app") == nil || Client("") == nil {
		t.Error("Client")
	}
	for _, bad := range []string{"", " ", "1e2d3c4b-5a69-4788-9796-a5b4c3d2e1f0", "abc~def\n"} {
		if Secret(bad) == nil {
			t.Errorf("Secret(%q) accepted", bad)
		}
	}
	if Secret("Abc8Q~0123456789abcdefghijklmnopqrstuvwx") != nil {
		t.Error("a plausible secret refused")
	}
}

// A pasted Token URL, or a tenant ID with spaces around it, is refused
// with what to do about it, not "neither a GUID nor a domain name".
func TestTenantSaysWhatWasPasted(t *testing.T) {
	for in, says := range map[string]string{
		"https://login.microsoftonline.com/contoso.com/oauth2/token": "graphauth.ParseAuthority",
		"login.microsoftonline.com/contoso.com":                      "graphauth.ParseAuthority",
		" contoso.com ":                                              "trim",
	} {
		err := Tenant(in)
		if err == nil || !strings.Contains(err.Error(), says) {
			t.Errorf("Tenant(%q) = %v, want it to say %q", in, err, says)
		}
	}
}

// Host names ignore case: LOCALHOST is as much a loopback host as
// localhost, for redirect URIs and the fake's own Graph alike.
func TestIsLoopbackHostIgnoresCase(t *testing.T) {
	for _, h := range []string{"localhost", "LOCALHOST", "LocalHost", "127.0.0.1", "::1"} {
		if !IsLoopbackHost(h) {
			t.Errorf("%q is a loopback host", h)
		}
	}
	for _, h := range []string{"localhost.evil.com", "example.com", ""} {
		if IsLoopbackHost(h) {
			t.Errorf("%q is no loopback host", h)
		}
	}
}
