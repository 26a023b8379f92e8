package graphauth

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"
)

// A Store call that answers at once is never reported as timed out: the
// call's goroutine ends its context as it returns, and a caller that saw
// both that and the answer must take the answer. CI once had a replica
// fetch its own token because a read that had answered was reported as
// "did not answer within 10s".
func TestAnAnsweredStoreCallIsNeverATimeout(t *testing.T) {
	t.Parallel()
	var g storeGate
	for i := range 20000 {
		v, err := callStore(context.Background(), &g, storeTimeout, func(context.Context) (int, error) { return i, nil })
		if err != nil || v != i {
			t.Fatalf("call %d: got %d, %v", i, v, err)
		}
	}
	if n := g.stuck.Load(); n != 0 {
		t.Fatalf("%d calls counted as stuck", n)
	}
	if n := g.running.Load(); n != 0 {
		t.Fatalf("%d calls counted as running", n)
	}
}

// A Store that gives up at the budget itself (returning its context's
// error) is reported as the budget running out, whichever of the two the
// caller sees first.
func TestAStoreThatGaveUpAtTheBudgetSaysSo(t *testing.T) {
	t.Parallel()
	var g storeGate
	for i := range 200 {
		_, err := callStore(context.Background(), &g, time.Millisecond, func(ctx context.Context) (int, error) {
			<-ctx.Done()
			return 0, ctx.Err()
		})
		if err == nil || !strings.Contains(err.Error(), "did not answer within 1ms (Options.StoreTimeout)") || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("call %d: %v", i, err)
		}
		// A call given up at the budget counts as stuck until its
		// goroutine ends; four such would refuse the next call
		// (errStoreStuck), which is another test's subject.
		for g.running.Load() != 0 || g.stuck.Load() != 0 {
			runtime.Gosched()
		}
	}
}
