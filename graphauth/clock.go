package graphauth

import "time"

// A Clock tells the time. Credentials and SignIn read it wherever they
// decide by time: whether a cached token is still good or due for refresh,
// an assertion's iat/nbf/exp, the lifetime of a pending sign-in, an ID
// token's exp and iat. Now must be safe for concurrent use and cheap, since
// with a Clock set every cache hit calls it once.
//
// Tests pass the clock of the fake platform (graphauthtest's Server.Clock)
// so that one Advance moves both the platform and the code under test.
type Clock interface {
	Now() time.Time
}

// clockNow returns the function to read time from: c's Now, or time.Now
// for a nil c. manual reports whether c was set, in which case token states
// are computed from it rather than from timers.
func clockNow(c Clock) (now func() time.Time, manual bool) {
	if c == nil {
		return time.Now, false
	}
	return c.Now, true
}
