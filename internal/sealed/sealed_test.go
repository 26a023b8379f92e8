package sealed

import (
	"strconv"
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

func TestOnceStaysBoundedUnderAFlood(t *testing.T) {
	var o Once
	now := time.Unix(1_700_000_000, 0)
	for i := range maxOnce + 5000 {
		if !o.First(strconv.Itoa(i), now, 15*time.Minute) {
			t.Fatalf("value %d refused on first use", i)
		}
	}
	if n := o.Len(); n > maxOnce {
		t.Fatalf("%d values remembered, more than %d", n, maxOnce)
	}
	if o.First(strconv.Itoa(maxOnce+4999), now, 15*time.Minute) {
		t.Fatal("the newest value was forgotten")
	}
}
