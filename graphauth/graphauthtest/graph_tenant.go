package graphauthtest

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"strings"
)

// App IDs of Microsoft's first-party apps whose service principals a tenant
// has or lacks (see Tenant.ServicePrincipals).
const (
	GraphAppID                  = "00000003-0000-0000-c000-000000000000" // Microsoft Graph
	ExchangeOnlineAppID         = "00000002-0000-0ff1-ce00-000000000000" // Office 365 Exchange Online
	SharePointOnlineAppID       = "00000003-0000-0ff1-ce00-000000000000" // Office 365 SharePoint Online
	TeamsAdminAppID             = "48ac35b8-9aa8-4d74-927d-1f4a14a0b239" // Skype and Teams Tenant Admin API
	AzureServiceManagementAppID = "797f4846-ba00-4fd7-ba43-dac1f8f63013" // Windows Azure Service Management API
	Office365ManagementAppID    = "c5393580-f805-4401-95e8-94b7a6ef2fc2" // Office 365 Management APIs
)

// FirstPartyApps returns the app IDs of the first-party apps, besides
// Microsoft Graph, that the fake knows: Exchange Online, SharePoint Online,
// the Teams admin API, Azure Service Management and the Office 365
// Management APIs.
func FirstPartyApps() []string {
	return []string{ExchangeOnlineAppID, SharePointOnlineAppID, TeamsAdminAppID, AzureServiceManagementAppID, Office365ManagementAppID}
}

// firstParty names the Microsoft resources, besides Graph, whose service
// principal a tenant may lack and an administrator may create.
func firstParty(appID string) string {
	switch strings.ToLower(appID) {
	case ExchangeOnlineAppID:
		return "Office 365 Exchange Online"
	case SharePointOnlineAppID:
		return "Office 365 SharePoint Online"
	case AzureServiceManagementAppID:
		return "Windows Azure Service Management API"
	case TeamsAdminAppID:
		return "Skype and Teams Tenant Admin API"
	case Office365ManagementAppID:
		return "Office 365 Management APIs"
	}
	return ""
}

// knownSkuID is the skuId Microsoft uses for a well-known part number, so
// that a Sku named by part number alone carries it; "" for others.
func knownSkuID(partNumber string) string {
	switch strings.ToUpper(partNumber) {
	case "ENTERPRISEPACK": // Office 365 E3
		return "6fd2c87f-b296-42f0-b197-1e91e994b900"
	case "SPE_E3": // Microsoft 365 E3
		return "05e9a617-0261-4cee-bb44-138d3ef5d965"
	case "SPE_E5": // Microsoft 365 E5
		return "06ebc4ee-1bb5-47dd-8120-11324bc54e06"
	case "O365_BUSINESS_PREMIUM": // Microsoft 365 Business Standard
		return "f245ecc8-75af-4f8e-b61f-27d8114de5f3"
	case "EXCHANGESTANDARD": // Exchange Online (Plan 1)
		return "4b9405b0-7788-4568-add1-99614e613b69"
	case "DEVELOPERPACK_E5": // Microsoft 365 E5 Developer
		return "c42b9cae-ea4f-4ab7-9717-81576235ccac"
	case "POWER_BI_STANDARD": // Power BI (free)
		return "a403ebcc-fae0-4ca2-8c8c-7a907fd6c235"
	case "FLOW_FREE": // Power Automate Free
		return "f30db892-07e9-47e9-837c-80727f46fd3d"
	case "TEAMS_EXPLORATORY": // Teams Exploratory
		return "710779e8-3d4a-4c88-adb9-386c958d1fdf"
	case "AAD_PREMIUM": // Entra ID P1
		return "078d2b04-f1bd-4111-bbd4-b4b1b354cef4"
	case "AAD_PREMIUM_P2": // Entra ID P2
		return "84a661c4-e949-4bd2-a560-ed7766fcaf2b"
	case "EMS": // Enterprise Mobility + Security E3
		return "efccb6f7-5641-4e0e-bd10-b4976e1bf68e"
	case "STANDARDPACK": // Office 365 E1
		return "18181a46-0d4e-45cd-891e-60aabd171b4e"
	case "ENTERPRISEPREMIUM": // Office 365 E5
		return "c7df2760-2c81-4ef7-b578-5b5392b571df"
	case "SPB": // Microsoft 365 Business Premium
		return "cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46"
	case "O365_BUSINESS_ESSENTIA": // Microsoft 365 Business Basic
		return "3b555118-da6a-4418-894f-7df1e2096870"
	}
	return ""
}

func fillSkus(in []Sku) []Sku {
	out := append([]Sku(nil), in...)
	for i, k := range out {
		if k.PartNumber == "" {
			panic("graphauthtest: a Sku needs its PartNumber")
		}
		if k.ID == "" {
			k.ID = knownSkuID(k.PartNumber)
		}
		if k.ID == "" {
			sum := sha256.Sum256([]byte("sku:" + k.PartNumber))
			k.ID = fmt.Sprintf("%x-%x-4%x-8%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])[:36]
		}
		if k.Units == 0 {
			k.Units = 25
		}
		k.ID = strings.ToLower(k.ID)
		out[i] = k
	}
	return out
}

func skuOf(t *tenant, partNumber string) *Sku {
	for i := range t.Skus {
		if strings.EqualFold(t.Skus[i].PartNumber, partNumber) {
			return &t.Skus[i]
		}
	}
	return nil
}

// Permissions of the tenant-wide reads: [app-only roles, delegated scopes].
var (
	permOrgRead = [2][]string{
		{"Organization.Read.All", "Organization.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"},
		{"User.Read", "Organization.Read.All", "Directory.Read.All"}}
	permDomainRead = [2][]string{
		{"Domain.Read.All", "Domain.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"},
		{"Domain.Read.All", "Domain.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}}
	permSkusRead = [2][]string{
		{"LicenseAssignment.Read.All", "Organization.Read.All", "Organization.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"},
		{"LicenseAssignment.Read.All", "Organization.Read.All", "Directory.Read.All"}}
)

func (s *Server) tenantRoutes() []graphRoute {
	return []graphRoute{
		{"GET", "organization", s.graphOrganization, optSelect},
		{"GET", "domains", s.graphDomains, 0},
		{"GET", "domains/{id}", s.graphDomains, 0},
		{"GET", "subscribedSkus", s.graphSubscribedSkus, 0},
		{"POST", "$batch", s.graphBatch, 0},
		{"GET", "reports/getOffice365ActiveUserDetail(*)", s.graphActiveUserReport, 0},
	}
}

func (s *Server) graphOrganization(w http.ResponseWriter, r *http.Request, c *caller, _ []string) {
	if !s.require(w, r, c, permOrgRead) {
		return
	}
	s.mu.Lock()
	t := c.tenant
	var domains []map[string]any
	for _, d := range append([]string{t.Domain}, t.Domains...) {
		domains = append(domains, map[string]any{
			"name": d, "isDefault": d == t.Domain, "isInitial": d == t.Domain, "type": "Managed",
			"capabilities": "Email, OfficeCommunicationsOnline",
		})
	}
	org := map[string]any{"id": t.ID, "displayName": t.DisplayName, "verifiedDomains": domains, "tenantType": "AAD"}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#organization",
		"value":          []map[string]any{org},
	})
}

func domainJSON(name string, initial bool) map[string]any {
	return map[string]any{
		"authenticationType": "Managed", "availabilityStatus": nil, "id": name, "isAdminManaged": true,
		"isDefault": initial, "isInitial": initial, "isRoot": true, "isVerified": true,
		"passwordNotificationWindowInDays": 14, "passwordValidityPeriodInDays": 2147483647,
		"supportedServices": []string{"Email", "OfficeCommunicationsOnline"}, "state": nil,
	}
}

// graphDomains is GET /domains and GET /domains/{name}.
func (s *Server) graphDomains(w http.ResponseWriter, r *http.Request, c *caller, p []string) {
	if !s.require(w, r, c, permDomainRead) {
		return
	}
	s.mu.Lock()
	t := c.tenant
	var list []map[string]any
	for _, d := range append([]string{t.Domain}, t.Domains...) {
		if len(p) == 1 || strings.EqualFold(p[1], d) {
			list = append(list, domainJSON(d, d == t.Domain))
		}
	}
	s.mu.Unlock()
	switch {
	case len(p) == 1:
		writeJSON(w, http.StatusOK, map[string]any{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#domains", "value": list})
	case len(list) == 0:
		s.notFound(w, r, p[1])
	default:
		list[0]["@odata.context"] = "https://graph.microsoft.com/v1.0/$metadata#domains/$entity"
		writeJSON(w, http.StatusOK, list[0])
	}
}

// graphSubscribedSkus is GET /subscribedSkus: the tenant's Skus with the
// units its users' licenses consume.
func (s *Server) graphSubscribedSkus(w http.ResponseWriter, r *http.Request, c *caller, _ []string) {
	if !s.require(w, r, c, permSkusRead) {
		return
	}
	s.mu.Lock()
	t := c.tenant
	var list []map[string]any
	for _, k := range t.Skus {
		used := 0
		for _, u := range t.orderedUsers() {
			if containsFold(u.Licenses, k.PartNumber) {
				used++
			}
		}
		list = append(list, map[string]any{
			"accountName": strings.TrimSuffix(t.Domain, ".onmicrosoft.com"), "accountId": t.ID,
			"appliesTo": "User", "capabilityStatus": "Enabled", "consumedUnits": used,
			"id": t.ID + "_" + k.ID, "skuId": k.ID, "skuPartNumber": k.PartNumber,
			"prepaidUnits":    map[string]int{"enabled": k.Units, "suspended": 0, "warning": 0, "lockedOut": 0},
			"servicePlans":    []any{},
			"subscriptionIds": []string{securityIdentifier(t.ID + k.ID)[9:]},
		})
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#subscribedSkus", "value": list})
}
