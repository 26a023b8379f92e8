package pkce

import "testing"

func TestChallengeMatchesRFC7636AppendixB(t *testing.T) {
	t.Parallel()
	if got := Challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"); got != "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" {
		t.Fatalf("Challenge = %s", got)
	}
	if v := Verifier(); len(v) != 43 || v == Verifier() {
		t.Fatalf("Verifier %q: want 43 random characters", v)
	}
}

func TestValidVerifierFollowsRFC7636Section4_1(t *testing.T) {
	t.Parallel()
	long := func(n int, c string) string {
		s := ""
		for len(s) < n {
			s += c
		}
		return s
	}
	for v, want := range map[string]bool{
		Verifier(): true,
		"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk": true,
		long(128, "~._-"):        true,
		"":                       false,
		long(42, "a"):            false,
		long(129, "a"):           false,
		long(42, "a") + "/":      false,
		long(42, "a") + " ":      false,
		long(42, "a") + "\u00e9": false,
	} {
		if got := ValidVerifier(v); got != want {
			t.Errorf("ValidVerifier(%q) = %v, want %v", v, got, want)
		}
	}
}
