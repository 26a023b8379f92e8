package sealed

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSealOpen(t *testing.T) {
	t.Parallel()
	b, err := New(make([]byte, 32))
	require.NoError(t, err)
	v, err := b.Seal("n", map[string]string{"a": "b"})
	require.NoError(t, err)
	var out map[string]string
	require.NoError(t, b.Open("n", v, &out))
	assert.Equal(t, "b", out["a"])
	assert.ErrorIs(t, b.Open("other-name", v, &out), ErrOpen)
	tampered := []byte(v)
	tampered[10] ^= 1
	assert.ErrorIs(t, b.Open("n", string(tampered), &out), ErrOpen)
	other, _ := New([]byte("0123456789abcdef"))
	assert.ErrorIs(t, other.Open("n", v, &out), ErrOpen)
	assert.ErrorIs(t, b.Open("n", "%%%", &out), ErrOpen)
	_, err = New([]byte("short"))
	assert.Error(t, err)
}

func TestOnce(t *testing.T) {
	t.Parallel()
	var o Once
	now := time.Unix(0, 0)
	assert.True(t, o.First("x", now, time.Minute))
	assert.False(t, o.First("x", now.Add(time.Second), time.Minute))
	assert.True(t, o.First("x", now.Add(2*time.Minute), time.Minute), "forgotten after its time")
}

func FuzzOpen(f *testing.F) {
	b, _ := New(make([]byte, 16))
	good, _ := b.Seal("n", 1)
	f.Add(good)
	f.Add("")
	f.Fuzz(func(t *testing.T, v string) {
		var out any
		_ = b.Open("n", v, &out)
	})
}
