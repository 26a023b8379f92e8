package oauthwire

import "strings"

// Description splits an error_description into the platform's message and
// the trace and correlation IDs it appends. The platform has written them
// in two ways: on lines of their own ("...\r\nTrace ID: x\r\nCorrelation
// ID: y\r\nTimestamp: t", older answers and some redirects) and, today, on
// the same line ("... Trace ID: x Correlation ID: y Timestamp: t"). Both
// are read; a description without them is returned whole as the message.
func Description(desc string) (message, traceID, correlationID string) {
	i := strings.Index(desc, "Trace ID: ")
	if i < 0 {
		message, _, _ = strings.Cut(desc, "\n")
		return strings.TrimSpace(message), "", ""
	}
	message = strings.TrimSpace(desc[:i])
	rest := desc[i+len("Trace ID: "):]
	traceID = firstField(rest)
	if j := strings.Index(rest, "Correlation ID: "); j >= 0 {
		correlationID = firstField(rest[j+len("Correlation ID: "):])
	}
	return message, traceID, correlationID
}

// firstField is s up to its first space or line break.
func firstField(s string) string {
	if i := strings.IndexAny(s, " \r\n\t"); i >= 0 {
		return s[:i]
	}
	return s
}
