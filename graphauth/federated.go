package graphauth

import (
	"context"
)

// ManagedIdentityAssertion is a managed identity's token for the token
// exchange audience (api://AzureADTokenExchange in the public cloud), used
// as the client assertion of an app that trusts the identity through a
// federated identity credential: issuer
// https://login.microsoftonline.com/{tenant}/v2.0, subject the identity's
// object (principal) ID. A multi-tenant app set up so gets tokens in every
// customer tenant with no secret or certificate to expire. A nil mi means
// the system-assigned identity; its Options are ignored, the
// FallbackCredential's are used.
func ManagedIdentityAssertion(name string, mi *ManagedIdentityOptions) ClientCredential {
	var o ManagedIdentityOptions
	if mi != nil {
		o = *mi
	}
	return ClientCredential{name: name, kind: "managed identity", mi: &o}
}

// TokenExchangeAudience is the audience of the managed identity tokens that
// federated identity credentials accept, per cloud: what
// [ManagedIdentityAssertion] asks for.
func TokenExchangeAudience(c Cloud) string {
	switch c.Name {
	case AzureGovernment.Name, AzureGovernmentDoD.Name:
		return "api://AzureADTokenExchangeUSGov"
	case AzureChina.Name:
		return "api://AzureADTokenExchangeChina"
	}
	return "api://AzureADTokenExchange"
}

// managedIdentitySource sends the managed identity's token as the
// assertion. The identity's own credential caches that token, so most
// requests read it from memory.
func (env *memberEnv) managedIdentitySource(mi *ManagedIdentityOptions) (tokenSource, func(), error) {
	o := *mi
	// The same clock as the credential's: the identity's token, cached by
	// its own credential, is the assertion, and must be judged fresh or
	// stale by the time the platform goes by.
	o.Options = Options{Cloud: env.opts.cloud, HTTPClient: env.opts.http, Logger: env.opts.log,
		MeterProvider: env.opts.meters, TracerProvider: env.opts.tracers, Clock: env.opts.clock}
	cred, err := NewManagedIdentityCredential(&o)
	if err != nil {
		return nil, nil, err
	}
	scopes := []string{TokenExchangeAudience(env.opts.cloud) + "/.default"}
	fn := func(ctx context.Context) (string, error) {
		tok, err := cred.Token(ctx, TokenRequest{Scopes: scopes})
		return tok.AccessToken, err
	}
	src, err := env.assertionSource(fn)
	if err != nil {
		cred.Close()
		return nil, nil, err
	}
	return src, func() { cred.Close() }, nil
}
