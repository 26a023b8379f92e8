package registration

import "strings"

// Application IDs of the Microsoft resources the integration guides use.
// They are the same in every tenant.
const (
	MicrosoftGraphAppID         = "00000003-0000-0000-c000-000000000000"
	ExchangeOnlineAppID         = "00000002-0000-0ff1-ce00-000000000000"
	SharePointOnlineAppID       = "00000003-0000-0ff1-ce00-000000000000"
	AzureServiceManagementAppID = "797f4846-ba00-4fd7-ba43-dac1f8f63013"
	TeamsTenantAdminAppID       = "48ac35b8-9aa8-4d74-927d-1f4a14a0b239"
	Office365ManagementAppID    = "c5393580-f805-4401-95e8-94b7a6ef2fc2"
)

// Resource is a first-party Microsoft API an app can ask permissions of.
type Resource struct {
	Name          string // display name, e.g. "Office 365 Exchange Online"
	AppID         string
	IdentifierURI string // the App ID URI tokens name, e.g. "https://outlook.office365.com"; "" where it varies by tenant
}

// DefaultScope is the app-only scope for the resource, "{identifier}/.default"
// (by app ID where the identifier varies by tenant, as SharePoint's does).
func (r Resource) DefaultScope() string {
	if r.IdentifierURI == "" {
		return r.AppID + "/.default"
	}
	return r.IdentifierURI + "/.default"
}

// KnownResources lists the first-party resources the kit knows by app ID.
func KnownResources() []Resource {
	return []Resource{
		{"Microsoft Graph", MicrosoftGraphAppID, "https://graph.microsoft.com"},
		{"Office 365 Exchange Online", ExchangeOnlineAppID, "https://outlook.office365.com"},
		{"Office 365 SharePoint Online", SharePointOnlineAppID, ""},
		{"Azure Service Management", AzureServiceManagementAppID, "https://management.azure.com"},
		{"Skype and Teams Tenant Admin API", TeamsTenantAdminAppID, ""},
		{"Office 365 Management APIs", Office365ManagementAppID, "https://manage.office.com"},
	}
}

// ResourceByAppID finds a known resource, ignoring case.
func ResourceByAppID(appID string) (Resource, bool) {
	for _, r := range KnownResources() {
		if strings.EqualFold(r.AppID, appID) {
			return r, true
		}
	}
	return Resource{}, false
}
