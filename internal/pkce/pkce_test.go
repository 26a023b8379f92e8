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
