package graphauth

import (
	"context"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// AzCoreCredential adapts a TokenCredential to azcore.TokenCredential, so that
// msgraph-sdk-go and every Azure SDK client accept it. Errors pass through
// unchanged: errors.As still finds *AuthError.
type AzCoreCredential struct{ cred TokenCredential }

var _ azcore.TokenCredential = (*AzCoreCredential)(nil)

// AzCore returns the adapter for cred.
func AzCore(cred TokenCredential) *AzCoreCredential { return &AzCoreCredential{cred: cred} }

// GetToken gets a token for the scopes, tenant and claims in opts.
func (a *AzCoreCredential) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	tok, err := a.cred.Token(ctx, TokenRequest{Scopes: opts.Scopes, TenantID: opts.TenantID, Claims: opts.Claims})
	if err != nil {
		return azcore.AccessToken{}, err
	}
	return azcore.AccessToken{Token: tok.AccessToken, ExpiresOn: tok.ExpiresOn, RefreshOn: tok.RefreshOn}, nil
}
