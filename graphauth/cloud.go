package graphauth

import "strings"

// Cloud is a Microsoft cloud: where its identity platform and its Microsoft
// Graph live. Tokens from one cloud are not accepted in another.
type Cloud struct {
	Name          string // e.g. "AzurePublic"
	AuthorityHost string // e.g. "https://login.microsoftonline.com", no trailing slash
	GraphEndpoint string // e.g. "https://graph.microsoft.com", no trailing slash
}

// DefaultScope is the app-only scope for the cloud's Microsoft Graph.
func (c Cloud) DefaultScope() string { return c.GraphEndpoint + "/.default" }

// The national clouds. Microsoft 365 GCC (moderate) tenants use AzurePublic.
// Treat these as constants: they are values, and changing one changes it for
// the whole program.
var (
	AzurePublic = Cloud{Name: "AzurePublic", AuthorityHost: "https://login.microsoftonline.com", GraphEndpoint: "https://graph.microsoft.com"}
	// AzureGovernment is US Government L4 (GCC High).
	AzureGovernment = Cloud{Name: "AzureGovernment", AuthorityHost: "https://login.microsoftonline.us", GraphEndpoint: "https://graph.microsoft.us"}
	// AzureGovernmentDoD is US Government L5 (DoD).
	AzureGovernmentDoD = Cloud{Name: "AzureGovernmentDoD", AuthorityHost: "https://login.microsoftonline.us", GraphEndpoint: "https://dod-graph.microsoft.us"}
	// AzureChina is operated by 21Vianet.
	AzureChina = Cloud{Name: "AzureChina", AuthorityHost: "https://login.partner.microsoftonline.cn", GraphEndpoint: "https://microsoftgraph.chinacloudapi.cn"}
)

// CloudByName finds a national cloud by name, ignoring case. Besides the
// Name fields it knows the azidentity-style aliases "public",
// "usgovernment", "usgov", "dod" and "china".
func CloudByName(name string) (Cloud, bool) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "", "azurepublic", "public", "azurecloud":
		return AzurePublic, true
	case "azuregovernment", "usgovernment", "usgov", "azureusgovernment", "gcchigh":
		return AzureGovernment, true
	case "azuregovernmentdod", "dod", "usgovdod":
		return AzureGovernmentDoD, true
	case "azurechina", "china", "azurechinacloud":
		return AzureChina, true
	}
	return Cloud{}, false
}

// CloudOf returns the cloud whose Graph cred's tokens are for, when cred
// tells it (every credential of this package does, through its Cloud
// method), so that a Graph client made beside a US Government credential
// calls graph.microsoft.us without being told again. ok is false for a
// credential of the application's own without a Cloud method.
func CloudOf(cred TokenCredential) (cloud Cloud, ok bool) {
	if c, isClouded := cred.(interface{ Cloud() Cloud }); isClouded {
		return c.Cloud(), true
	}
	return Cloud{}, false
}
