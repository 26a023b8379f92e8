package consent

import (
	"encoding/json"
	"strings"
	"time"
)

// Status is where a tenant's onboarding stands.
type Status string

// The statuses of a Record.
const (
	// StatusPending: the tenant was proven by an administrator's sign-in,
	// and the grant's roles have not been confirmed yet: the Handler is
	// confirming them in the background (HandlerOptions.Background), or
	// they had not reached the tenant's tokens when it last looked.
	StatusPending Status = "pending"
	// StatusConfirmed: an app-only token in the tenant carried the
	// required roles (or, with none required, at least one).
	StatusConfirmed Status = "confirmed"
	// StatusFailed: the last confirmation ended without the roles
	// (Record.Missing names them) or with an error (Record.Error).
	StatusFailed Status = "failed"
	// StatusRemoved: the app is gone from a tenant that had confirmed it
	// (the platform answers AADSTS700016: an administrator deleted its
	// service principal). Onboard the tenant again to bring it back.
	StatusRemoved Status = "removed"
)

// Record is what the product knows of one customer tenant. The Handler
// writes one only for a tenant that an administrator's sign-in proved:
// StatusConfirmed once an app-only token there carried the required roles,
// or StatusPending first when it confirms in the background; Reverify
// moves records between the statuses.
type Record struct {
	TenantID    string    `json:"tenantId"`
	ConsentedAt time.Time `json:"consentedAt"`
	// ConsentedBy is the user name (preferred_username) of the user whose
	// sign-in at the tenant proved it, last time: the administrator who
	// consented, or, for a tenant that had consented before, any member.
	ConsentedBy  string    `json:"consentedBy,omitempty"`
	Roles        []string  `json:"roles"`        // the application permissions confirmed
	Missing      []string  `json:"missing"`      // required permissions not (yet) in effect
	LastVerified time.Time `json:"lastVerified"` // when the grant was last checked
	Status       Status    `json:"status"`
	// Error is the last confirmation's failure, one line without secrets,
	// for StatusFailed and StatusRemoved; empty otherwise.
	Error string `json:"error,omitempty"`
	// AppState is the product's own state that the round trip carried
	// (Handler.Redirect), such as which of its client records is being
	// authorised; empty when Start began the round trip, unless the
	// tenant was confirmed before for an AppState, which it keeps. A
	// confirmed tenant is never moved to another AppState by a round
	// trip (ErrTenantClaimed).
	AppState string `json:"appState,omitempty"`
}

// UnmarshalJSON reads a record, including those written before Status
// existed, whose free-text "lastResult" ("confirmed", "pending: …",
// "error: …") becomes the Status (and Error).
func (r *Record) UnmarshalJSON(data []byte) error {
	type plain Record
	var v struct {
		plain
		LastResult string `json:"lastResult"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	*r = Record(v.plain)
	if r.Status != "" || v.LastResult == "" {
		return nil
	}
	switch kind, rest, _ := strings.Cut(v.LastResult, ": "); kind {
	case "confirmed":
		r.Status = StatusConfirmed
	case "pending":
		r.Status = StatusPending
	default:
		r.Status = StatusFailed
		if kind == "error" {
			r.Error = rest
		} else {
			r.Error = v.LastResult
		}
	}
	return nil
}
