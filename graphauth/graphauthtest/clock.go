package graphauthtest

import (
	"sync/atomic"
	"time"
)

// Clock is a Server's time: a base clock (Options.Now, or the system
// clock) plus an offset that Advance moves forward. It is safe for
// concurrent use, and Now takes no lock and allocates nothing, so that it
// can stand in for the system clock on a credential's cache-hit path. Its
// Now method satisfies graphauth.Clock.
type Clock struct {
	base   func() time.Time // nil means time.Now
	offset atomic.Int64     // nanoseconds
}

func newClock(base func() time.Time) *Clock { return &Clock{base: base} }

// Now returns the current time: the base clock's reading moved forward by
// every Advance so far.
func (c *Clock) Now() time.Time {
	off := time.Duration(c.offset.Load())
	if c.base != nil {
		return c.base().Add(off)
	}
	return time.Now().Add(off)
}

// Advance moves the clock forward by d, which must not be negative.
func (c *Clock) Advance(d time.Duration) {
	if d < 0 {
		panic("graphauthtest: Advance takes a positive duration")
	}
	c.offset.Add(int64(d))
}

// String describes the clock by its reading, never its internals.
func (c *Clock) String() string {
	return "graphauthtest.Clock(" + c.Now().UTC().Format(time.RFC3339) + ")"
}

func (c *Clock) now() time.Time { return c.Now() }

func (c *Clock) advance(d time.Duration) { c.Advance(d) }
