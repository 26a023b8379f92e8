package oauthwire_test

import (
	"encoding/json"
	"fmt"

	"github.com/entrakit/entrakit/internal/oauthwire"
)

// The v1 endpoint sends numbers as strings; both forms parse.
func ExampleSeconds() {
	var tr oauthwire.TokenResponse
	_ = json.Unmarshal([]byte(`{"token_type":"Bearer","expires_in":"3599","access_token":"x"}`), &tr)
	fmt.Println(tr.ExpiresIn)
	// Output: 3599
}
