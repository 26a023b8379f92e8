package main

import (
	"crypto/tls"
	"html"
	"io"
	"net/http"
	"testing"
)

// insecureTLS trusts the fake's self-signed certificate, as the browser in
// the Chromium test is told to.
func insecureTLS() *tls.Config { return &tls.Config{InsecureSkipVerify: true} } //nolint:gosec // test against the local fake only

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func htmlUnescape(s string) string { return html.UnescapeString(s) }
