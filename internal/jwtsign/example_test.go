package jwtsign_test

import (
	"crypto/x509"
	"fmt"
	"strings"
	"time"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/internal/jwtsign"
)

func ExampleSign() {
	now := time.Now()
	key, cert := graphauthtest.NewCertificate("CN=app", now)
	jwt, err := jwtsign.Sign(jwtsign.Assertion{
		ClientID: "11111111-2222-3333-4444-555555555555",
		Audience: "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token",
		Chain:    []*x509.Certificate{cert}, Signer: key, Alg: jwtsign.PS256, Now: now, JTI: "1",
	})
	fmt.Println(err, strings.Count(jwt, "."))
	// Output: <nil> 2
}
