package consent

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestRateAllowsABurstThenOneProofPerInterval(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r := newRate(30, 10, func() time.Time { return now })
	for i := range 10 {
		ok, _ := r.take()
		assert.True(t, ok, "proof %d of the burst", i+1)
	}
	ok, wait := r.take()
	assert.False(t, ok, "the burst is spent")
	assert.Equal(t, 2*time.Second, wait, "30 a minute is one every 2 seconds")

	r.refund() // a callback that made no request gives its proof back
	ok, _ = r.take()
	assert.True(t, ok)

	now = now.Add(3 * time.Second)
	ok, _ = r.take()
	assert.True(t, ok, "one proof's worth came back")
	ok, wait = r.take()
	assert.False(t, ok)
	assert.Equal(t, time.Second, wait)

	now = now.Add(time.Hour)
	for i := range 10 {
		ok, _ := r.take()
		assert.True(t, ok, "an idle hour refills the burst, and no more: proof %d", i+1)
	}
	ok, _ = r.take()
	assert.False(t, ok)
}
