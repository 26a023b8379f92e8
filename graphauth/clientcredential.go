package graphauth

import (
	"context"
	"crypto"
	"crypto/x509"
	"fmt"
	"strings"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"

	"github.com/entrakit/entrakit/internal/jwtsign"
)

// ClientCredential is one way for an app to prove who it is, as an entry
// of a [FallbackCredential]'s list: a secret, a certificate, an assertion
// source, a managed identity's federated token, or a secret or certificate
// read from a file. Make one with [SecretValue], [Certificate],
// [Assertion], [ManagedIdentityAssertion], [SecretFile], [CertificateFile]
// [RotatedSecret] or [RotatedCertificate]. It prints only its name and kind, with every fmt verb.
type ClientCredential struct {
	name      string
	kind      string
	secret    Secret
	chain     []*x509.Certificate
	key       crypto.Signer
	assertion AssertionFunc
	mi        *ManagedIdentityOptions
	path      string
	password  Secret
	slot      *SecretSlot
	certSlot  *CertificateSlot
}

// SecretValue is a client secret, named name in logs and in
// [FallbackCredential.Active].
func SecretValue(name string, secret Secret) ClientCredential {
	return ClientCredential{name: name, kind: "secret", secret: secret}
}

// Certificate is a certificate and its private key; chain starts with the
// certificate registered on the app.
func Certificate(name string, chain []*x509.Certificate, key crypto.Signer) ClientCredential {
	return ClientCredential{name: name, kind: "certificate", chain: chain, key: key}
}

// Assertion is a source of client assertions, such as [TokenFile.Assertion]
// under workload identity federation.
func Assertion(name string, fn AssertionFunc) ClientCredential {
	return ClientCredential{name: name, kind: "assertion", assertion: fn}
}

// SecretFile is a client secret read from the file at path (its content,
// without surrounding white space), as a Kubernetes secret or a Key Vault
// agent mounts it. The file is watched: see [FallbackCredential].
func SecretFile(name, path string) ClientCredential {
	return ClientCredential{name: name, kind: "secret file", path: path}
}

// CertificateFile is a certificate and its key read from the PEM or PFX
// file at path (see [ParseCertificate]), opened with password (empty for
// none). The file is watched: see [FallbackCredential].
func CertificateFile(name, path string, password Secret) ClientCredential {
	return ClientCredential{name: name, kind: "certificate file", path: path, password: password}
}

// String names the credential and its kind; never its value.
func (c ClientCredential) String() string {
	if c.path != "" {
		return fmt.Sprintf("graphauth.ClientCredential{Name: %q, Kind: %q, Path: %q}", c.name, c.kind, c.path)
	}
	return fmt.Sprintf("graphauth.ClientCredential{Name: %q, Kind: %q}", c.name, c.kind)
}

// Format prints String for every verb.
func (c ClientCredential) Format(f fmt.State, _ rune) { fmt.Fprint(f, c.String()) }

// check validates the entry at position i of a list.
func (c ClientCredential) check(i int, seen map[string]bool) error {
	field := fmt.Sprintf("Credentials[%d]", i)
	switch {
	case c.kind == "":
		return &ConfigError{Field: field, Reason: "is the zero ClientCredential: make one with SecretValue, Certificate, Assertion, ManagedIdentityAssertion, SecretFile, CertificateFile, RotatedSecret or RotatedCertificate"}
	case strings.TrimSpace(c.name) == "":
		return &ConfigError{Field: field, Reason: "needs a name, which logs and Active report"}
	case seen[c.name]:
		return &ConfigError{Field: field, Reason: fmt.Sprintf("the name %q is used twice", c.name)}
	}
	seen[c.name] = true
	return nil
}

// member builds the entry's token source.
func (c ClientCredential) member(env *memberEnv) (member, error) {
	m := member{name: c.name, kind: c.kind, info: func() credentialInfo { return credentialInfo{} }}
	var err error
	switch c.kind {
	case "secret":
		m.src, err = env.secretSource(c.secret)
		in := secretInfo(c.secret)
		m.info = func() credentialInfo { return in }
	case "certificate":
		var leaf *x509.Certificate
		m.src, leaf, err = env.certificateSource(c.chain, c.key)
		if leaf != nil {
			in := certificateInfo(leaf)
			m.info = func() credentialInfo { return in }
		}
	case "assertion":
		m.src, err = env.assertionSource(c.assertion)
	case "rotated secret":
		var src *slotSource
		if src, err = c.slot.bind(env); err == nil {
			m.src, m.closer = src, func() { unbind(&c.slot.mu, &c.slot.sources, src) }
		}
		m.info = func() credentialInfo { return secretInfo(c.slot.Secret()) }
	case "rotated certificate":
		var src *slotSource
		if src, err = c.certSlot.bind(env); err == nil {
			m.src, m.closer = src, func() { unbind(&c.certSlot.mu, &c.certSlot.sources, src) }
		}
		m.info = func() credentialInfo {
			chain, _ := c.certSlot.Certificate()
			return certificateInfo(chain[0])
		}
	case "managed identity":
		m.src, m.closer, err = env.managedIdentitySource(c.mi)
	case "secret file", "certificate file":
		m.file, err = newFileSource(c, env)
		if err != nil {
			// Kept, and watched: a file that a sidecar has not written yet,
			// or that holds an expired certificate, is used once fixed.
			m.file = newWaitingFileSource(c, env, err)
		}
		m.src, m.info = m.file, m.file.info
		return m, err
	}
	if err != nil {
		return member{}, err
	}
	return m, nil
}

func (env *memberEnv) secretSource(secret Secret) (*msalSource, error) {
	if err := checkSecret(string(secret)); err != nil {
		return nil, err
	}
	cred, err := confidential.NewCredFromSecret(string(secret))
	if err != nil {
		return nil, &ConfigError{Field: "ClientSecret", Reason: "MSAL refused the secret"}
	}
	return env.confidentialSource(cred)
}

// certificateSource signs assertions with key, as CertificateCredential
// does, and returns the leaf certificate for its expiry.
func (env *memberEnv) certificateSource(chain []*x509.Certificate, key crypto.Signer) (*msalSource, *x509.Certificate, error) {
	if len(chain) == 0 || chain[0] == nil || key == nil {
		return nil, nil, &ConfigError{Field: "ClientCertificate", Reason: "a certificate and its private key are required"}
	}
	if _, _, err := orderChain(chain[:1], key); err != nil {
		return nil, nil, err
	}
	if err := checkValidity(chain[0], env.now()); err != nil {
		return nil, nil, err
	}
	alg := jwtsign.PS256
	if env.cert.LegacyRS256 {
		alg = jwtsign.RS256
	}
	send := env.cert.SendCertificateChain
	sign := func(_ context.Context, o confidential.AssertionRequestOptions) (string, error) {
		return jwtsign.Sign(jwtsign.Assertion{
			ClientID: o.ClientID, Audience: o.TokenEndpoint, Chain: chain, Signer: key,
			Alg: alg, SendX5C: send, Now: env.now(), JTI: newJTI(),
		})
	}
	src, err := env.confidentialSource(confidential.NewCredFromAssertionCallback(sign))
	return src, chain[0], err
}

// assertionSource sends what fn returns as the client assertion.
func (env *memberEnv) assertionSource(fn AssertionFunc) (*msalSource, error) {
	if fn == nil {
		return nil, &ConfigError{Field: "Assertion", Reason: "an assertion function is required"}
	}
	cb := func(ctx context.Context, _ confidential.AssertionRequestOptions) (string, error) {
		a, err := fn(ctx)
		switch {
		case err != nil:
			// Typed as a configuration failure, so that a FallbackCredential
			// moves on to its next credential (see IsCredentialRefusal).
			err = &ConfigError{Field: "Assertion", Reason: "the assertion source failed", Err: err}
		case strings.Count(a, ".") != 2:
			err = &ConfigError{Field: "Assertion", Reason: "the assertion is not a compact JWT"}
		}
		if err != nil {
			noteAssertionError(ctx, err)
		}
		return a, err
	}
	return env.confidentialSource(confidential.NewCredFromAssertionCallback(cb))
}
