package graphauth

import "time"

// SetNow replaces the sign-in's clock, before its first use: a test hands
// it the fake platform's (Server.Now) so that Server.Advance moves both.
func (s *SignIn) SetNow(now func() time.Time) { s.now = now }
