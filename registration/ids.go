package registration

import (
	"fmt"

	"github.com/entrakit/entrakit/internal/ids"
)

// IDError reports an identifier or secret that cannot be right, with what
// to do about it.
type IDError struct {
	Field  string // "TenantID", "ClientID" or "ClientSecret"
	Reason string
}

// Error returns "registration: <field> <reason>".
func (e *IDError) Error() string { return fmt.Sprintf("registration: %s %s", e.Field, e.Reason) }

// CheckTenantID accepts a tenant GUID or verified domain such as
// contoso.onmicrosoft.com; "common" and "organizations" are refused, since
// app-only tokens need a real tenant. It returns an *IDError.
func CheckTenantID(tenantID string) error {
	if err := ids.Tenant(tenantID); err != nil {
		return &IDError{Field: "TenantID", Reason: err.Error()}
	}
	return nil
}

// CheckClientID accepts an application (client) ID, a GUID. It returns an
// *IDError.
func CheckClientID(clientID string) error {
	if err := ids.Client(clientID); err != nil {
		return &IDError{Field: "ClientID", Reason: err.Error()}
	}
	return nil
}

// CheckSecret reports a client secret that cannot be the value: empty, with
// stray white space, or shaped like a GUID — the secret's ID, which the
// portal shows beside the value and which the platform refuses with
// AADSTS7000215. It returns an *IDError; the error never holds the secret.
func CheckSecret(secret string) error {
	if err := ids.Secret(secret); err != nil {
		return &IDError{Field: "ClientSecret", Reason: err.Error()}
	}
	return nil
}
