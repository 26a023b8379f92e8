package graphauth

import "time"

// SetNow replaces the sign-in's clock, before its first use: a test hands
// it the fake platform's (Server.Now) so that Server.Advance moves both.
func (s *SignIn) SetNow(now func() time.Time) { s.now = now }

// LocalUsersForTest counts the user partitions SignIn keeps in memory.
func (s *SignIn) LocalUsersForTest() int {
	if s.users == nil {
		return -1
	}
	s.users.mu.Lock()
	defer s.users.mu.Unlock()
	return len(s.users.local)
}

// ScopeFailureForTest is scopeFailure.
func ScopeFailureForTest(err error, asked []string) error { return scopeFailure(err, asked) }

// GrantedScopesForTest is grantedScopes.
func GrantedScopesForTest(scopes []string) []string { return grantedScopes(scopes) }
