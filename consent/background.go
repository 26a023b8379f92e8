package consent

import (
	"context"
	"errors"
	"sync"
	"time"
)

// background tracks the confirmations that run on after Done.
type background struct {
	slots  chan struct{} // bounds the confirmations running at once
	mu     sync.Mutex
	closed bool
	stop   chan struct{} // closed by Close
	wg     sync.WaitGroup
}

func (b *background) start(n int) { b.stop, b.slots = make(chan struct{}), make(chan struct{}, n) }

// stopped reports whether Close was called.
func (b *background) stopped() bool {
	select {
	case <-b.stop:
		return true
	default:
		return false
	}
}

// context returns a context that ends after d or when Close is called.
func (b *background) context(d time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	go func() {
		select {
		case <-b.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// storeTimeout bounds the write of a background confirmation's result.
const storeTimeout = 10 * time.Second

// recordPending stores the proven tenant's record as pending. A tenant
// confirmed before keeps StatusConfirmed, its roles and when they were
// verified, until the confirmation's result replaces them: a round trip
// (any member's sign-in through the onboarding link) must not stop the
// product serving a customer, for good when no confirmation can run.
func (h *Handler) recordPending(ctx context.Context, rec Record) (Record, error) {
	rec.Status, rec.LastVerified = StatusPending, h.now()
	claimed := false
	stored, _, err := update(ctx, h.opts.Registry, rec.TenantID, func(old Record, ok bool) (Record, bool) {
		if claimed = claimedByOther(old, ok, rec.AppState); claimed {
			return old, false
		}
		next := keepClient(keepConsent(rec, old, ok), old, ok)
		if ok && old.Status == StatusConfirmed {
			next.Status, next.Roles, next.Missing, next.LastVerified = StatusConfirmed, old.Roles, old.Missing, old.LastVerified
		}
		return next, true
	})
	switch {
	case err != nil:
		return Record{}, err
	case claimed:
		return Record{}, ErrTenantClaimed
	}
	return stored, nil
}

// confirmLater starts the background confirmation of rec. It starts
// nothing once the handler is closed, or while MaxConcurrent confirmations
// are running already (a flood of forged round trips must not hold up the
// callbacks): the record then stays pending, for Reverify.
func (h *Handler) confirmLater(rec Record) {
	h.bg.mu.Lock()
	defer h.bg.mu.Unlock()
	if h.bg.closed {
		return
	}
	select {
	case h.bg.slots <- struct{}{}:
	default:
		return
	}
	h.bg.wg.Add(1)
	go func() {
		defer h.bg.wg.Done()
		defer func() { <-h.bg.slots }()
		final, err := h.finish(rec)
		if h.opts.Confirmed != nil && !errors.Is(err, context.Canceled) {
			h.opts.Confirmed(final, err)
		}
	}()
}

// finish confirms a pending tenant's grant and stores the outcome. When
// Close cancels it, the record stays as it is: pending.
func (h *Handler) finish(rec Record) (Record, error) {
	ctx, cancel := h.bg.context(h.confirm.Timeout + storeTimeout)
	defer cancel()
	c, err := h.confirmGrant(ctx, rec.TenantID)
	if h.bg.stopped() {
		return rec, context.Canceled
	}
	rec.Roles, rec.Missing, rec.LastVerified = c.Roles, c.Missing, h.now()
	rec.Status, rec.Error = StatusConfirmed, ""
	if err != nil {
		rec.Status, rec.Error = StatusFailed, oneLine(err)
	}
	sctx, cancelStore := h.bg.context(storeTimeout)
	defer cancelStore()
	// Onto the record as it is now: a tenant deleted meanwhile stays
	// deleted, and a newer round trip's AppState is kept.
	stored, _, perr := store(sctx, h.opts.Registry, rec)
	if perr != nil {
		return rec, errors.Join(err, perr)
	}
	return stored, err
}

// Close stops the background confirmations still running and waits for
// them to end; their records stay pending, for Reverify. Callbacks after
// Close still prove tenants and record them as pending, but confirm
// nothing in the background. Close is safe to call more than once.
func (h *Handler) Close() error {
	h.bg.mu.Lock()
	if !h.bg.closed {
		h.bg.closed = true
		close(h.bg.stop)
	}
	h.bg.mu.Unlock()
	h.bg.wg.Wait()
	return nil
}
