package aadsts

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Service is a resource API whose service principal a tenant lacks, as the
// platform's AADSTS650052 (or 500011) message names it.
type Service struct {
	AppID string // the resource's application ID; "" when the message gave only its URI
	Name  string // its display name, or its URI when the message gave no name
}

// The two wordings of AADSTS650052 seen on the wire:
//
//	The app is trying to access a service '48ac35b8-…'(Skype and Teams Tenant Admin API) that your organization '…' lacks a service principal for.
//	The app needs access to a service ("https://graph.microsoft.com") that your organization "…" has not subscribed to or enabled.
//
// (the kit keeps the redirect's quotes as ' and backslashes as /) and AADSTS500011's "The resource principal named https://… was not found
// in the tenant named …".
var (
	serviceByID  = regexp.MustCompile(`service '([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})' ?\(([^()]{0,200})\)`)
	serviceByURI = regexp.MustCompile(`service \([\\/]?["']([^"']{1,300}?)[\\/]?["']\)`)
	principalURI = regexp.MustCompile(`resource principal named (\S{1,300}) was not found`)
)

// wellKnown are first-party resources by URI, so that a message naming only
// the URI still gives the app ID to create.
var wellKnown = map[string]Service{
	"https://graph.microsoft.com":              {"00000003-0000-0000-c000-000000000000", "Microsoft Graph"},
	"https://management.azure.com":             {"797f4846-ba00-4fd7-ba43-dac1f8f63013", "Windows Azure Service Management API"},
	"https://management.core.windows.net":      {"797f4846-ba00-4fd7-ba43-dac1f8f63013", "Windows Azure Service Management API"},
	"https://manage.office.com":                {"c5393580-f805-4401-95e8-94b7a6ef2fc2", "Office 365 Management APIs"},
	"https://outlook.office365.com":            {"00000002-0000-0ff1-ce00-000000000000", "Office 365 Exchange Online"},
	"48ac35b8-9aa8-4d74-927d-1f4a14a0b239":     {"48ac35b8-9aa8-4d74-927d-1f4a14a0b239", "Skype and Teams Tenant Admin API"},
	"https://api.spaces.skype.com":             {"cc15fd57-2c6c-4117-a88c-83b1d56b4bbe", "Microsoft Teams Services"},
	"https://teams.microsoft.com":              {"cc15fd57-2c6c-4117-a88c-83b1d56b4bbe", "Microsoft Teams Services"},
	"https://microsoft.sharepoint.com":         {"00000003-0000-0ff1-ce00-000000000000", "Office 365 SharePoint Online"},
	"https://outlook.office.com":               {"00000002-0000-0ff1-ce00-000000000000", "Office 365 Exchange Online"},
	"https://graph.windows.net":                {"00000002-0000-0000-c000-000000000000", "Windows Azure Active Directory"},
	"https://vault.azure.net":                  {"cfa8b339-82a2-471a-a3c9-0fc0be7a4093", "Azure Key Vault"},
	"https://storage.azure.com":                {"e406a681-f3d4-42a8-90b6-c2b029497af1", "Azure Storage"},
	"https://analysis.windows.net/powerbi/api": {"00000009-0000-0000-c000-000000000000", "Power BI Service"},
}

// MissingService reads the resource a tenant lacks from the platform's
// message. It reports false when the message names none.
func MissingService(description string) (Service, bool) {
	if m := serviceByID.FindStringSubmatch(description); m != nil {
		s := Service{AppID: strings.ToLower(m[1]), Name: strings.TrimSpace(m[2])}
		if s.Name == "" {
			s.Name = s.AppID
		}
		return s, true
	}
	uri := ""
	if m := serviceByURI.FindStringSubmatch(description); m != nil {
		uri = m[1]
	} else if m := principalURI.FindStringSubmatch(description); m != nil {
		uri = strings.TrimSuffix(m[1], ".")
	}
	if uri == "" {
		return Service{}, false
	}
	if s, ok := wellKnown[strings.TrimSuffix(strings.ToLower(uri), "/")]; ok {
		return s, true
	}
	return Service{Name: uri}, true
}

// ReplicationWait is how long to wait after creating a service principal
// before consenting again: a new object takes minutes to reach every
// replica of the directory, and consent in the meantime fails the same way.
const ReplicationWait = 5 * time.Minute

// Fix is how an administrator of the tenant creates a missing service
// principal, three ways, and how long to wait after.
type Fix struct {
	Graph  string // the Microsoft Graph call
	CLI    string // the Azure CLI command
	Portal string // where in the portal
	Action string // the remedy as one paragraph
}

// FixFor is the fix for the missing service s. When the message named
// only a URI the kit does not know, the fix first finds the resource's app
// ID in a tenant that has the service (the app's home tenant, where its
// API permissions were added), as the service principal's
// servicePrincipalNames hold the URI.
func FixFor(s Service) Fix {
	id := s.AppID
	find := ""
	if id == "" {
		id = "{appId}"
		find = fmt.Sprintf("First find the app ID of %s: in the app's home tenant, GET https://graph.microsoft.com/v1.0/servicePrincipals?"+
			"$filter=servicePrincipalNames/any(n:n eq '%s')&$select=appId,displayName (or the app registration's API permissions page, "+
			"which names the API and its Application ID); use it as {appId} below. ", s.Name, s.Name)
	}
	name := s.Name
	if name == "" || name == s.AppID {
		name = "the resource"
	}
	wait := int(ReplicationWait / time.Minute)
	return Fix{
		Graph: `POST https://graph.microsoft.com/v1.0/servicePrincipals {"appId": "` + id + `"}`,
		CLI:   "az ad sp create --id " + id,
		Portal: "Azure portal > Cloud Shell (the >_ icon at the top) > run the az command; then check it under Microsoft Entra admin center > " +
			"Enterprise applications > All applications (Application type: Microsoft Applications), searching for " + id,
		Action: fmt.Sprintf("%sAn administrator of the tenant creates the service principal of %s (app ID %s) there, with the Graph call (needs "+
			"Application.ReadWrite.All) or the az command, waits about %d minutes for it to replicate, then consents again.", find, name, id, wait),
	}
}
