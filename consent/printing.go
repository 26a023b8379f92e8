package consent

import "fmt"

// String names the app the handler onboards tenants for; never its cookie
// key. Handler needs its own Format: fmt calls no method, such as
// HandlerOptions.Format, inside an unexported field.
func (h *Handler) String() string {
	if h == nil {
		return "consent.Handler{}"
	}
	return fmt.Sprintf("consent.Handler{ClientID: %q, RedirectURI: %q, Key: REDACTED}", h.cfg.ClientID, h.cfg.RedirectURI)
}

// Format prints String for every verb.
func (h *Handler) Format(f fmt.State, _ rune) { fmt.Fprint(f, h.String()) }
