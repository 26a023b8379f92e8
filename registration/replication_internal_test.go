package registration

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// The memory of applications created moments before is bounded: a client
// that seeds a tenant with thousands of apps in two minutes kept every ID.
func TestTheMemoryOfNewAppsIsBounded(t *testing.T) {
	t.Parallel()
	var l replicationLag
	for i := range 5000 {
		l.remember(Application{ObjectID: fmt.Sprintf("object-%d", i), AppID: fmt.Sprintf("app-%d", i)})
	}
	l.mu.Lock()
	n := len(l.recent)
	l.mu.Unlock()
	assert.LessOrEqual(t, n, maxRecent+1)
	assert.True(t, l.created("/applications/object-4999/addPassword"), "the newest is remembered")
	assert.True(t, l.created("/applications(appId='app-4999')"))
}

// The waits for replication are bounded by MaxWait even when MinWait is
// longer: the first wait was MinWait whatever MaxWait said, so a client
// configured with MinWait 1h and MaxWait 1ms gave up at once within a
// one-minute deadline (or, without one, waited an hour).
func TestReplicationWaitsAreBoundedByMaxWait(t *testing.T) {
	t.Parallel()
	l := replicationLag{first: time.Hour, most: time.Millisecond}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	lagging := errors.New("not replicated yet")
	tries := 0
	err := l.retry(ctx, func() error {
		if tries++; tries < 3 {
			return lagging
		}
		return nil
	}, func(err error) bool { return err == lagging })
	assert.NoError(t, err)
	assert.Equal(t, 3, tries)
}
