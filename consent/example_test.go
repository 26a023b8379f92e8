package consent_test

import (
	"fmt"
	"net/url"

	"github.com/entrakit/entrakit/consent"
)

func ExampleURL() {
	u, _ := consent.URL(consent.Config{ClientID: "11111111-2222-3333-4444-555555555555", RedirectURI: "https://console.example/consent"},
		"organizations", "a-fresh-unguessable-state")
	parsed, _ := url.Parse(u)
	fmt.Println(parsed.Host + parsed.Path)
	fmt.Println(parsed.Query().Get("scope"))
	// Output:
	// login.microsoftonline.com/organizations/v2.0/adminconsent
	// https://graph.microsoft.com/.default
}

func ExampleParseCallback() {
	// The platform says admin_consent=True even when the administrator
	// cancelled: the error wins.
	q := url.Values{"admin_consent": {"True"}, "state": {"a-fresh-unguessable-state"}, "error": {"consent_required"},
		"error_description": {"AADSTS65004: User declined to consent to access the app."}}
	_, err := consent.ParseCallback(q, "a-fresh-unguessable-state")
	var ce *consent.Error
	if errorsAs(err, &ce) {
		fmt.Println(ce.Reason)
		fmt.Println(ce.Action)
	}
	// Output:
	// cancelled
	// The administrator declined. Ask again, explaining why the app needs its permissions.
}
