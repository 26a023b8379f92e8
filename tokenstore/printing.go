package tokenstore

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// String names the key; never its secret.
func (k Key) String() string {
	secret := "(none)"
	if len(k.Secret) > 0 {
		secret = "REDACTED"
	}
	return fmt.Sprintf("tokenstore.Key{ID: %q, Secret: %s}", k.ID, secret)
}

// Format prints String for every verb.
func (k Key) Format(f fmt.State, _ rune) { fmt.Fprint(f, k.String()) }

// MarshalJSON writes the key's ID and "REDACTED" for its secret. Reading a
// Key from JSON (base64 secret) is unaffected.
func (k Key) MarshalJSON() ([]byte, error) {
	secret := ""
	if len(k.Secret) > 0 {
		secret = "REDACTED"
	}
	return json.Marshal(struct {
		ID     string `json:"id"`
		Secret string `json:"secret,omitempty"`
	}{k.ID, secret})
}

// String names the keys the store seals with (first) and opens with. It
// shows nothing of the store beneath, which holds the sealed values.
func (e EncryptedStore) String() string {
	var others []string
	for id := range e.open {
		if id != e.seal.id {
			others = append(others, id)
		}
	}
	sort.Strings(others)
	return fmt.Sprintf("tokenstore.EncryptedStore{Keys: [%s]}", strings.Join(append([]string{e.seal.id}, others...), " "))
}

// Format prints String for every verb.
func (e EncryptedStore) Format(f fmt.State, _ rune) { fmt.Fprint(f, e.String()) }
