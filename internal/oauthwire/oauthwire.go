// Package oauthwire holds the JSON shapes the Microsoft identity platform
// sends from its token endpoint: the success body and the error body. The fake
// platform writes them and the credentials read them, so both sides agree on
// one definition.
package oauthwire

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// ErrorResponse is the JSON body of a refused token request (HTTP 400 or 401).
type ErrorResponse struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description,omitempty"`
	ErrorCodes       Codes  `json:"error_codes,omitempty"`
	Timestamp        string `json:"timestamp,omitempty"`
	TraceID          string `json:"trace_id,omitempty"`
	CorrelationID    string `json:"correlation_id,omitempty"`
	ErrorURI         string `json:"error_uri,omitempty"`
	Suberror         string `json:"suberror,omitempty"`
	Claims           string `json:"claims,omitempty"`
}

// TokenResponse is the JSON body of a successful token request. The v1
// endpoint sends numbers as strings, so the numeric fields accept both.
type TokenResponse struct {
	TokenType    string  `json:"token_type"`
	Scope        string  `json:"scope,omitempty"`
	ExpiresIn    Seconds `json:"expires_in"`
	ExtExpiresIn Seconds `json:"ext_expires_in,omitempty"`
	RefreshIn    Seconds `json:"refresh_in,omitempty"`
	AccessToken  string  `json:"access_token"`
	RefreshToken string  `json:"refresh_token,omitempty"`
	IDToken      string  `json:"id_token,omitempty"`
	ClientInfo   string  `json:"client_info,omitempty"`

	// v1 endpoint only: Unix times, strings on the platform's wire, numbers
	// from some v1 gateways.
	ExpiresOn Text   `json:"expires_on,omitempty"`
	NotBefore Text   `json:"not_before,omitempty"`
	Resource  string `json:"resource,omitempty"`
}

// Seconds is a count of seconds that unmarshals from a JSON number or a
// JSON string holding one, as the v1 token endpoint sends it.
type Seconds int64

// UnmarshalJSON accepts 3599 and "3599".
func (s *Seconds) UnmarshalJSON(b []byte) error {
	text := strings.Trim(string(b), `"`)
	if text == "" || text == "null" {
		*s = 0
		return nil
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return fmt.Errorf("oauthwire: %q is not a number of seconds", truncate(text, 32))
	}
	if n < 0 {
		return fmt.Errorf("oauthwire: negative number of seconds %d", n)
	}
	*s = Seconds(n)
	return nil
}

// MarshalJSON writes a JSON number.
func (s Seconds) MarshalJSON() ([]byte, error) {
	return json.Marshal(int64(s))
}

// Codes are the AADSTS codes of a refusal. They unmarshal from what the
// platform sends, an array of numbers ([7000215]), and from what a
// gateway may make of it: strings ("7000215", "AADSTS7000215") or a single
// number. Anything else leaves them empty rather than failing the whole
// refusal, whose error and description still say what went wrong.
type Codes []int

// UnmarshalJSON reads the forms Codes describes.
func (c *Codes) UnmarshalJSON(b []byte) error {
	*c = nil
	var raw []json.RawMessage
	if json.Unmarshal(b, &raw) != nil {
		raw = []json.RawMessage{b}
	}
	for _, r := range raw {
		var n int
		if json.Unmarshal(r, &n) == nil {
			if n > 0 { // null decodes as 0
				*c = append(*c, n)
			}
			continue
		}
		var s string
		if json.Unmarshal(r, &s) != nil {
			continue
		}
		if n, err := strconv.Atoi(strings.TrimPrefix(s, "AADSTS")); err == nil && n > 0 {
			*c = append(*c, n)
		}
	}
	return nil
}

// Text is a string that unmarshals from a JSON string or a JSON number
// (kept as its digits), as v1 answers write their Unix times either way.
// It marshals as a JSON string.
type Text string

// UnmarshalJSON accepts "1700000000", 1700000000 and null.
func (t *Text) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*t = ""
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		err := json.Unmarshal(b, &s)
		*t = Text(s)
		return err
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("oauthwire: %q is neither a string nor a number", truncate(string(b), 32))
	}
	*t = Text(n)
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
