package registration

import (
	"fmt"
	"testing"

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
