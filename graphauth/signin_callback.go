package graphauth

import (
	"strconv"
	"strings"

	"github.com/entrakit/entrakit/internal/oauthwire"
)

// ParseCallbackError builds an *AuthError from the error and
// error_description of a redirect back from the platform (sign-in or admin
// consent), reading the AADSTS code, trace and correlation IDs from the
// description, where the platform puts them. The fields keep to the
// characters RFC 6749 §4.1.2.1 allows (printable ASCII but '"' and '\'; a
// line break ends the description) and to a bounded length, whatever the
// redirect held: they are safe in a log line or a page.
func ParseCallbackError(code, description string) *AuthError { return callbackError(code, description) }

// Bounds on the text kept from an error redirect, in bytes.
const (
	maxCallbackCode        = 64  // OAuth error codes are a few words
	maxCallbackDescription = 500 // the first line of error_description
	maxCallbackID          = 64  // trace and correlation IDs: GUIDs
	maxCallbackScan        = 4096
)

// callbackError builds an *AuthError from an error redirect. The AADSTS
// code and trace ID are read from the description, where the platform puts
// them after the message (see oauthwire.Description).
func callbackError(code, description string) *AuthError {
	e := &AuthError{Code: oauthText(code, maxCallbackCode)}
	if len(description) > maxCallbackScan {
		description = description[:maxCallbackScan]
	}
	msg, trace, corr := oauthwire.Description(description)
	if msg == "" {
		return e
	}
	e.Description = oauthText(msg, maxCallbackDescription)
	if rest, ok := strings.CutPrefix(e.Description, "AADSTS"); ok {
		num, _, _ := strings.Cut(rest, ":")
		if n, err := strconv.Atoi(num); err == nil {
			e.AADSTS = []int{n}
		}
	}
	e.TraceID = oauthText(trace, maxCallbackID)
	e.CorrelationID = oauthText(corr, maxCallbackID)
	return e
}

// oauthText keeps s to the characters RFC 6749 §4.1.2.1 allows in error
// and error_description (%x20-21 / %x23-5B / %x5D-7E) and to max bytes: a
// '"' becomes '\”, a '\' becomes '/', any other character (a control
// character, a byte that is not UTF-8, a letter beyond ASCII) becomes '?',
// and a longer text is cut to end in "...".
func oauthText(s string, max int) string {
	b := make([]byte, 0, min(len(s), max+1))
	for _, r := range s {
		if len(b) > max {
			break
		}
		switch {
		case r == '"':
			b = append(b, '\'')
		case r == '\\':
			b = append(b, '/')
		case r >= 0x20 && r <= 0x7e:
			b = append(b, byte(r))
		default:
			b = append(b, '?')
		}
	}
	if len(b) > max {
		b = append(b[:max-3], "..."...)
	}
	return string(b)
}
