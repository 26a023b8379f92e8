package graphauth

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// The expiry layouts of the managed identity endpoints that speak the 2017
// API (App Service's 2017-09-01, Azure ML, Cloud Shell): a date in the
// month/day/year order of .NET's invariant culture, with an offset, on a
// 24-hour or a 12-hour clock ("11/24/2026 16:16:04 +00:00",
// "11/24/2026 4:16:04 PM +00:00"). MSAL Go reads these dates only without
// the offset and refuses the token otherwise.
var miDateLayouts = []string{
	"1/2/2006 15:04:05 -07:00",
	"1/2/2006 3:04:05 PM -07:00",
	"1/2/2006 15:04:05 -0700",
	"1/2/2006 3:04:05 PM -0700",
	"2006-01-02 15:04:05 -07:00",
}

// miEpochExpiry rewrites a successful managed identity answer whose
// expires_on is such a date into one whose expires_on is the same instant
// in seconds since the epoch, the form MSAL reads from every source. Any
// other body, and a date it cannot read, is returned as it is. Only
// expires_on changes; the token is carried over byte for byte.
func miEpochExpiry(body []byte) []byte {
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) != nil {
		return body
	}
	var on string
	if json.Unmarshal(fields["expires_on"], &on) != nil || on == "" || isDigits(on) {
		return body
	}
	at, ok := parseMIDate(on)
	if !ok {
		return body
	}
	fields["expires_on"] = json.RawMessage(strconv.Quote(strconv.FormatInt(at.Unix(), 10)))
	out, err := json.Marshal(fields)
	if err != nil {
		return body
	}
	return out
}

// parseMIDate reads expires_on in one of miDateLayouts.
func parseMIDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range miDateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
