package verify

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Status is the outcome of a check, or of a whole report (its worst check).
type Status string

// The statuses, from best to worst.
const (
	StatusOK      Status = "ok"
	StatusSkipped Status = "skipped" // could not run, or not asked for
	StatusWarning Status = "warning" // works now, needs attention
	StatusFailed  Status = "failed"
)

func (s Status) rank() int {
	return map[Status]int{StatusOK: 0, StatusSkipped: 1, StatusWarning: 2, StatusFailed: 3}[s]
}

// Check is one verification step. Its JSON field names are stable: a
// product's UI may rely on them.
type Check struct {
	ID         string     `json:"id"`    // stable identifier, e.g. "token.permissions"
	Title      string     `json:"title"` // for a person
	Status     Status     `json:"status"`
	DurationMS float64    `json:"durationMs"`
	Detail     string     `json:"detail"`              // what was found
	Diagnosis  *Diagnosis `json:"diagnosis,omitempty"` // for warnings and failures that have one
}

// Report is the ordered result of Run. Its JSON form is documented by the
// field tags of Report, Check and Diagnosis.
type Report struct {
	Status   Status    `json:"status"` // the worst status of the checks
	TenantID string    `json:"tenantId,omitempty"`
	ClientID string    `json:"clientId,omitempty"`
	Started  time.Time `json:"started"`
	Checks   []Check   `json:"checks"`
	// Permissions shows, for each kind checked, what the token grants
	// against what the product needs.
	Permissions []Comparison `json:"permissions,omitempty"`
}

// Failed reports whether any check failed.
func (r Report) Failed() bool { return r.Status == StatusFailed }

// Check returns the check with this ID.
func (r Report) Check(id string) (Check, bool) {
	for _, c := range r.Checks {
		if c.ID == id {
			return c, true
		}
	}
	return Check{}, false
}

// JSON renders the report for a product's UI.
func (r Report) JSON() ([]byte, error) { return json.MarshalIndent(r, "", "  ") }

var marks = map[Status]string{StatusOK: "ok  ", StatusSkipped: "skip", StatusWarning: "WARN", StatusFailed: "FAIL"}

// Text renders the report for a person: one line per check, and for each
// warning and failure the diagnosis with what to do.
func (r Report) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Verification of app %s in tenant %s: %s\n", orDash(r.ClientID), orDash(r.TenantID), strings.ToUpper(string(r.Status)))
	for _, c := range r.Checks {
		fmt.Fprintf(&b, "  [%s] %s: %s\n", marks[c.Status], c.Title, c.Detail)
		if c.Diagnosis != nil && (c.Status == StatusFailed || c.Status == StatusWarning) {
			for _, line := range strings.Split(c.Diagnosis.String(), "\n") {
				fmt.Fprintf(&b, "         %s\n", strings.TrimSpace(line))
			}
		}
	}
	for _, p := range r.Permissions {
		fmt.Fprintf(&b, "  Permissions, %s\n", p)
	}
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
