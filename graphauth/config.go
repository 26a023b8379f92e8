package graphauth

import (
	"errors"
	"net/url"
	"os"
	"sort"
	"strings"
	"unicode"

	"github.com/entrakit/entrakit/internal/ids"
)

// Config says how to authenticate, in the terms of the settings an
// administrator fills in. The flow is chosen from what is set, or named in
// Flow. Printing a Config never shows its secrets.
type Config struct {
	TenantID            string // AZURE_TENANT_ID
	ClientID            string // AZURE_CLIENT_ID
	ClientSecret        Secret // AZURE_CLIENT_SECRET
	CertificatePath     string // AZURE_CLIENT_CERTIFICATE_PATH: PEM or PFX with the private key
	CertificatePassword Secret // AZURE_CLIENT_CERTIFICATE_PASSWORD
	FederatedTokenFile  string // AZURE_FEDERATED_TOKEN_FILE
	AuthorityHost       string // AZURE_AUTHORITY_HOST; empty means the cloud's
	// Flow names the flow: "secret", "certificate", "federated",
	// "managedidentity" (in any case, with or without dashes or
	// underscores, or as azidentity's "ManagedIdentityCredential" and the
	// like), or a name in the Flows passed to
	// Flows.NewCredential; surrounding quotes and spaces (a CRLF file's
	// \r) are not part of the name. Empty means the one flow whose setting is
	// present; a managed identity, which needs no setting, is used only when
	// named.
	Flow string
}

// The built-in flow names.
const (
	FlowSecret      = "secret"
	FlowCertificate = "certificate"
	FlowFederated   = "federated"
	// FlowManagedIdentity is the Azure resource's managed identity
	// (NewManagedIdentityCredential): the system-assigned one, or the
	// user-assigned one whose client ID is in ClientID (AZURE_CLIENT_ID).
	// TenantID is not needed: a managed identity gets tokens in its own
	// tenant. When set (a GUID, a domain or a pasted URL), it must read as
	// a tenant, and a tenant GUID is checked against the tokens' tenant: a
	// token in another tenant is refused (ManagedIdentityOptions.TenantID).
	// Secrets, certificates and token files set beside it are left unused.
	FlowManagedIdentity = "managedidentity"
)

// FromEnv reads the environment variables azidentity users already set:
// AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET,
// AZURE_CLIENT_CERTIFICATE_PATH, AZURE_CLIENT_CERTIFICATE_PASSWORD,
// AZURE_FEDERATED_TOKEN_FILE and AZURE_AUTHORITY_HOST. It is the only place
// the package reads the environment. It validates nothing: NewCredential
// does, naming the variable at fault.
func FromEnv() Config {
	return Config{
		TenantID:            os.Getenv("AZURE_TENANT_ID"),
		ClientID:            os.Getenv("AZURE_CLIENT_ID"),
		ClientSecret:        Secret(os.Getenv("AZURE_CLIENT_SECRET")),
		CertificatePath:     os.Getenv("AZURE_CLIENT_CERTIFICATE_PATH"),
		CertificatePassword: Secret(os.Getenv("AZURE_CLIENT_CERTIFICATE_PASSWORD")),
		FederatedTokenFile:  os.Getenv("AZURE_FEDERATED_TOKEN_FILE"),
		AuthorityHost:       os.Getenv("AZURE_AUTHORITY_HOST"),
	}
}

// Cloud is the cloud that AuthorityHost names, whose Graph the tokens of
// NewCredential are for (use it for the Graph clients made beside the
// credential): AzurePublic when empty; a Microsoft cloud's host is that
// cloud (https://login.microsoftonline.us is AzureGovernment, as Options
// reads it, with its own canonical host for an alias such as
// login.windows.net); any other host (a private deployment, the fake
// platform) keeps AzurePublic's Graph, with AuthorityHost as its authority
// host.
func (c Config) Cloud() Cloud {
	host := strings.TrimSuffix(strings.TrimSpace(c.AuthorityHost), "/")
	if host == "" {
		return AzurePublic
	}
	if cl, ok := cloudOfAuthorityHost(host); ok {
		return cl
	}
	return Cloud{Name: AzurePublic.Name, AuthorityHost: host, GraphEndpoint: AzurePublic.GraphEndpoint}
}

// GraphEndpoint is where the Graph calls made beside the credential go:
// Cloud's GraphEndpoint, except on a loopback AuthorityHost, the fake
// platform (graphauthtest's fakeentra), which serves its Graph at the same
// address (tokens are still for Cloud's Graph).
func (c Config) GraphEndpoint() string {
	cl := c.Cloud()
	if u, err := url.Parse(cl.AuthorityHost); err == nil && u.Scheme == "https" && u.Path == "" && ids.IsLoopbackHost(u.Hostname()) {
		return cl.AuthorityHost
	}
	return cl.GraphEndpoint
}

// FlowFunc builds a credential for a Config. opts is never nil.
type FlowFunc func(cfg Config, opts *Options) (TokenCredential, error)

// Flows are an application's own flows, by name, to select with
// Config.Flow: a secret fetched from a vault at start-up, say. The built-in
// names cannot be taken.
type Flows map[string]FlowFunc

// NewCredential builds the credential cfg describes with the built-in flows.
// See [Flows.NewCredential].
func NewCredential(cfg Config, opts *Options) (TokenCredential, error) {
	return Flows(nil).NewCredential(cfg, opts)
}

// NewCredential builds the credential cfg describes. A nil opts uses the
// defaults; cfg.AuthorityHost, when set, overrides opts.AuthorityHost. It
// returns a *ConfigError that names the field and its environment variable
// when the configuration is incomplete or contradictory: no credential,
// two credentials without a Flow to choose, a password without a
// certificate, an unknown Flow. Every built-in credential also implements
// io.Closer: close it when done with it (see [ClientSecretCredential.Close]).
func (f Flows) NewCredential(cfg Config, opts *Options) (TokenCredential, error) {
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if cfg.AuthorityHost != "" {
		o.AuthorityHost = cfg.AuthorityHost
	}
	for name := range f {
		if b := builtinFlow(name); name == "" || b == FlowSecret || b == FlowCertificate || b == FlowFederated || b == FlowManagedIdentity {
			return nil, &ConfigError{Field: "Flows", Reason: "the name " + quote(printable(name, 40)) + " is taken by a built-in flow"}
		}
	}
	flow, err := cfg.pickFlow(f)
	if err != nil {
		return nil, err
	}
	if flow == FlowManagedIdentity {
		return cfg.managedIdentity(o)
	}
	if err := cfg.pastedAuthority(&o); err != nil {
		return nil, err
	}
	if err := cfg.checkIDs(); err != nil {
		return nil, err
	}
	switch flow {
	case FlowSecret:
		return NewClientSecretCredential(cfg.TenantID, cfg.ClientID, cfg.ClientSecret, &o)
	case FlowCertificate:
		chain, key, err := LoadCertificate(cfg.CertificatePath, cfg.CertificatePassword)
		if err != nil {
			return nil, err
		}
		return NewCertificateCredential(cfg.TenantID, cfg.ClientID, chain, key, &CertificateOptions{Options: o})
	case FlowFederated:
		return NewClientAssertionCredential(cfg.TenantID, cfg.ClientID, NewTokenFile(cfg.FederatedTokenFile).Assertion, &o)
	}
	return f[flow](cfg, &o)
}

// pickFlow applies Config.Flow, or infers the flow from the one credential
// setting present.
func (c Config) pickFlow(custom Flows) (string, error) {
	if c.CertificatePassword != "" && c.CertificatePath == "" {
		return "", &ConfigError{Field: "CertificatePassword (AZURE_CLIENT_CERTIFICATE_PASSWORD)", Reason: "is set without CertificatePath (AZURE_CLIENT_CERTIFICATE_PATH): set the certificate's path too, or unset the password"}
	}
	set := map[string]string{}
	if c.ClientSecret != "" {
		set[FlowSecret] = "ClientSecret (AZURE_CLIENT_SECRET)"
	}
	if c.CertificatePath != "" {
		set[FlowCertificate] = "CertificatePath (AZURE_CLIENT_CERTIFICATE_PATH)"
	}
	if c.FederatedTokenFile != "" {
		set[FlowFederated] = "FederatedTokenFile (AZURE_FEDERATED_TOKEN_FILE)"
	}
	if c.Flow != "" {
		flow := c.Flow
		if _, ok := custom[flow]; ok {
			return flow, nil
		}
		// A custom flow's name as an environment file gives it: quoted, or
		// with a CRLF file's \r.
		if trimmed := strings.TrimFunc(flow, func(r rune) bool { return unicode.IsSpace(r) || r == '"' || r == '\'' }); trimmed != flow {
			if _, ok := custom[trimmed]; ok {
				return trimmed, nil
			}
		}
		if flow = builtinFlow(flow); flow == FlowManagedIdentity {
			return flow, nil
		}
		need := map[string]string{FlowSecret: "ClientSecret (AZURE_CLIENT_SECRET)", FlowCertificate: "CertificatePath (AZURE_CLIENT_CERTIFICATE_PATH)", FlowFederated: "FederatedTokenFile (AZURE_FEDERATED_TOKEN_FILE)"}
		field, builtin := need[flow]
		if !builtin {
			names := []string{FlowSecret, FlowCertificate, FlowFederated, FlowManagedIdentity}
			for n := range custom {
				names = append(names, n)
			}
			sort.Strings(names[4:])
			return "", &ConfigError{Field: "Flow", Reason: quote(printable(c.Flow, 40)) + " is not a known flow; use one of " + strings.Join(names, ", ")}
		}
		if _, ok := set[flow]; !ok {
			return "", &ConfigError{Field: field, Reason: "is required by Flow " + quote(printable(c.Flow, 40))}
		}
		return flow, nil
	}
	switch len(set) {
	case 0:
		return "", &ConfigError{Field: "ClientSecret, CertificatePath or FederatedTokenFile", Reason: "none is set: set AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH or AZURE_FEDERATED_TOKEN_FILE, or set Flow to \"managedidentity\" on an Azure resource"}
	case 1:
		for flow := range set {
			return flow, nil
		}
	}
	var fields []string
	for _, fld := range set {
		fields = append(fields, fld)
	}
	sort.Strings(fields)
	return "", &ConfigError{Field: strings.Join(fields, " and "), Reason: "more than one credential is set: unset all but one, or choose with Flow"}
}

// builtinFlow returns the built-in flow a Flow setting names, read as a
// person writes it in an environment file: any case, with or without
// dashes, underscores or spaces ("ManagedIdentity", "managed-identity",
// "Client_Secret", "secret\r" from a file saved with CRLF line endings),
// azidentity's type names ("ManagedIdentityCredential") and the usual
// other names ("msi", "workloadidentity").
// Any other name is returned as it is.
func builtinFlow(name string) string {
	folded := strings.Map(func(r rune) rune {
		switch r {
		case '-', '_', '"', '\'':
			return -1
		}
		if unicode.IsSpace(r) { // a CRLF file's \r too
			return -1
		}
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, name)
	// azidentity's type names, as AZURE_TOKEN_CREDENTIALS spells them
	// ("ManagedIdentityCredential", "WorkloadIdentityCredential").
	switch strings.TrimSuffix(folded, "credential") {
	case "secret", "clientsecret":
		return FlowSecret
	case "certificate", "clientcertificate":
		return FlowCertificate
	case "federated", "workloadidentity", "federatedtoken":
		return FlowFederated
	case "managedidentity", "msi":
		return FlowManagedIdentity
	}
	return name
}

// pastedAuthority reads the tenant as ParseAuthority does, so that what
// it refuses (Graph's or a portal's host) is refused here too and what it
// takes off (quotes, spaces) is taken off; for a URL pasted as the tenant
// (the app's Token URL, say) the tenant comes from it, and the cloud too
// when opts names none.
func (c *Config) pastedAuthority(o *Options) error {
	if c.TenantID == "" {
		return nil // checkIDs says it is required
	}
	a, err := c.readTenant(o)
	if err != nil {
		return err
	}
	c.TenantID = a.TenantID
	host := o.AuthorityHost
	if host == "" {
		host = o.Cloud.AuthorityHost
	}
	switch {
	case a.Cloud.AuthorityHost == "":
	case host == "":
		o.Cloud = a.Cloud
	case !strings.EqualFold(strings.TrimSuffix(host, "/"), a.Cloud.AuthorityHost):
		return &ConfigError{Field: "TenantID (AZURE_TENANT_ID)", Reason: "is a URL of " + a.Cloud.AuthorityHost +
			", but the credential is configured for " + host + ": paste the URL of the cloud the app is registered in, or change the cloud"}
	}
	return nil
}

func (c Config) checkIDs() error {
	if err := ids.Tenant(c.TenantID); err != nil {
		return &ConfigError{Field: "TenantID (AZURE_TENANT_ID)", Reason: err.Error()}
	}
	if err := ids.Client(c.ClientID); err != nil {
		return &ConfigError{Field: "ClientID (AZURE_CLIENT_ID)", Reason: err.Error()}
	}
	if strings.EqualFold(c.ClientID, c.TenantID) {
		return &ConfigError{Field: "ClientID (AZURE_CLIENT_ID)", Reason: sameAsTenant}
	}
	return nil
}

// sameAsTenant is the reason given for a client ID that is the tenant's:
// the app's Overview page shows the two GUIDs one above the other.
const sameAsTenant = "is the Directory (tenant) ID: the Application (client) ID is the other GUID on the app's Overview page"

// managedIdentity builds the managed identity credential: ClientID, when
// set, selects a user-assigned identity. TenantID, when set, must read as
// a tenant (a pasted URL too); a tenant GUID is then the one the
// identity's tokens must be in (ManagedIdentityOptions.TenantID).
func (c Config) managedIdentity(o Options) (TokenCredential, error) {
	if c.ClientID != "" {
		if err := ids.Client(c.ClientID); err != nil {
			reason := err.Error() + " (for a managed identity: the user-assigned identity's client ID, or unset for the system-assigned one)"
			if strings.HasPrefix(strings.ToLower(c.ClientID), "/subscriptions/") {
				reason = "is the identity's Azure resource ID: set its Client ID (on the identity's Overview page), or select it by ManagedIdentityOptions.ResourceID"
			}
			return nil, &ConfigError{Field: "ClientID (AZURE_CLIENT_ID)", Reason: reason}
		}
	}
	mi := ManagedIdentityOptions{Options: o, ClientID: c.ClientID}
	if c.TenantID != "" {
		a, err := c.readTenant(&o)
		if err != nil {
			return nil, err
		}
		if ids.IsGUID(a.TenantID) {
			mi.TenantID = a.TenantID
		}
	}
	return NewManagedIdentityCredential(&mi)
}

// readTenant reads TenantID as ParseAuthority does, a custom AuthorityHost
// counting as a known cloud, and names the variable in its errors.
func (c Config) readTenant(o *Options) (Authority, error) {
	var custom []Cloud
	if o.AuthorityHost != "" {
		custom = append(custom, Cloud{Name: "Custom", AuthorityHost: o.AuthorityHost})
	}
	a, err := ParseAuthority(c.TenantID, custom...)
	var ce *ConfigError
	if errors.As(err, &ce) {
		return Authority{}, &ConfigError{Field: "TenantID (AZURE_TENANT_ID)", Reason: ce.Reason}
	}
	return a, err
}

func quote(s string) string { return `"` + s + `"` }
