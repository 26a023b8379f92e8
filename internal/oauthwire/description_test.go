package oauthwire

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDescriptionReadsBothOfThePlatformsFormats(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in, msg, trace, corr string
	}{
		{"on one line, as the platform writes today",
			"AADSTS90002: Tenant 'x' not found. Trace ID: 06d036b0-8892-4cb4-94f9-8a2d3e9c2000 Correlation ID: f1b414c3-83bd-457f-bb87-a358fd5232e1 Timestamp: 2026-07-02 14:44:48Z",
			"AADSTS90002: Tenant 'x' not found.", "06d036b0-8892-4cb4-94f9-8a2d3e9c2000", "f1b414c3-83bd-457f-bb87-a358fd5232e1"},
		{"on lines of their own, as older answers do",
			"AADSTS7000215: Invalid client secret provided.\r\nTrace ID: a\r\nCorrelation ID: b\r\nTimestamp: 2021-01-01 00:00:00Z",
			"AADSTS7000215: Invalid client secret provided.", "a", "b"},
		{"without IDs", "AADSTS50058: A silent sign-in request was sent but no user is signed in.",
			"AADSTS50058: A silent sign-in request was sent but no user is signed in.", "", ""},
		{"only the first line of a description without IDs", "first\nsecond", "first", "", ""},
		{"a trace ID at the very end", "m Trace ID: t", "m", "t", ""},
		{"empty", "", "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			msg, trace, corr := Description(tc.in)
			assert.Equal(t, tc.msg, msg)
			assert.Equal(t, tc.trace, trace)
			assert.Equal(t, tc.corr, corr)
		})
	}
}

func FuzzDescription(f *testing.F) {
	f.Add("AADSTS1: m Trace ID: a Correlation ID: b Timestamp: c")
	f.Add("m\r\nTrace ID: \r\nCorrelation ID: ")
	f.Add("Trace ID: Correlation ID: ")
	f.Fuzz(func(t *testing.T, s string) {
		msg, trace, corr := Description(s)
		if len(msg)+len(trace)+len(corr) > len(s) {
			t.Fatalf("Description(%q) returned more than it was given", s)
		}
	})
}
