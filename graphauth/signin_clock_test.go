package graphauth

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type keep struct{ got []byte }

func (k *keep) Unmarshal(b []byte) error { k.got = b; return nil }

func TestDropExpiredKeepsOnlyTokensValidByTheInjectedClock(t *testing.T) {
	now := time.Unix(2_000_000_000, 0)
	at := func(d time.Duration) string { return strconv.FormatInt(now.Add(d).Unix(), 10) }
	data := `{"AccessToken":{"fresh":{"secret":"a","expires_on":"` + at(time.Hour) + `"},` +
		`"expired":{"secret":"b","expires_on":"` + at(-time.Minute) + `"},` +
		`"within-margin":{"secret":"c","expires_on":"` + at(4*time.Minute) + `"},` +
		`"due":{"secret":"d","expires_on":"` + at(time.Hour) + `","refresh_on":"` + at(-time.Second) + `"},` +
		`"unreadable":{"secret":"e","expires_on":"soon"}},"RefreshToken":{"r":{"secret":"rt"}}}`
	k := &keep{}
	require.NoError(t, dropExpired{k, func() time.Time { return now }}.Unmarshal([]byte(data)))
	var out struct {
		AccessToken  map[string]json.RawMessage
		RefreshToken map[string]json.RawMessage
	}
	require.NoError(t, json.Unmarshal(k.got, &out))
	assert.Len(t, out.AccessToken, 1)
	assert.Contains(t, out.AccessToken, "fresh")
	assert.Contains(t, out.RefreshToken, "r", "refresh tokens are kept")
}

// FuzzDropExpired: whatever a Store hands back, the filter never panics,
// and passes on either the data itself or JSON.
func FuzzDropExpired(f *testing.F) {
	f.Add([]byte(`{"AccessToken":{"k":{"expires_on":"1"}}}`))
	f.Add([]byte(`{"AccessToken":[]}`))
	f.Add([]byte(`not json`))
	f.Fuzz(func(t *testing.T, data []byte) {
		k := &keep{}
		if err := (dropExpired{k, time.Now}).Unmarshal(data); err != nil {
			t.Fatal(err)
		}
		if string(k.got) != string(data) && !json.Valid(k.got) {
			t.Fatalf("passed on neither the data nor JSON: %q", k.got)
		}
	})
}
