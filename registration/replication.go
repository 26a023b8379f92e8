package registration

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// replicationLag paces the retries of a call that Graph refused because
// an object created moments before had not reached the replica that served
// it: first, then doubling up to most, five tries in all (about 15 s by
// default), never past the context's deadline. It remembers the
// applications this client created in the last two minutes, whose 404s are
// such refusals.
type replicationLag struct {
	first, most time.Duration
	mu          sync.Mutex
	recent      map[string]time.Time // lower-cased object and app IDs -> created
}

// replicationWindow is how long after a create a 404 for the object is
// taken for replication lag.
const replicationWindow = 2 * time.Minute

// remember notes an application this client created.
func (l *replicationLag) remember(app Application) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if l.recent == nil {
		l.recent = map[string]time.Time{}
	}
	for id, at := range l.recent {
		if now.Sub(at) > replicationWindow {
			delete(l.recent, id)
		}
	}
	// A client that creates apps by the thousand (a test tenant's
	// seeding) forgets its oldest first, which at worst costs a 404 that
	// is not waited out.
	for len(l.recent) >= maxRecent {
		oldest, first := "", now
		for id, at := range l.recent {
			if !at.After(first) {
				oldest, first = id, at
			}
		}
		delete(l.recent, oldest)
	}
	for _, id := range []string{app.ObjectID, app.AppID} {
		if id != "" {
			l.recent[strings.ToLower(id)] = now
		}
	}
}

// maxRecent caps the IDs remembered (two per application).
const maxRecent = 1024

// created reports whether path names an application this client created
// within the replication window: /applications/{id}… or
// /applications(appId='{id}')….
func (l *replicationLag) created(path string) bool {
	rest, ok := strings.CutPrefix(path, "/applications")
	if !ok {
		return false
	}
	var id string
	switch {
	case strings.HasPrefix(rest, "/"):
		id, _, _ = strings.Cut(rest[1:], "/")
		id, _, _ = strings.Cut(id, "?")
	case strings.HasPrefix(rest, "(appId='"):
		id, _, _ = strings.Cut(rest[len("(appId='"):], "'")
	default:
		return false
	}
	if unescaped, err := url.PathUnescape(id); err == nil {
		id = unescaped
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	at, ok := l.recent[strings.ToLower(id)]
	return ok && time.Since(at) <= replicationWindow
}

// notFound reports a 404, which for an object created moments before means
// it has not replicated yet.
func notFound(err error) bool {
	var ge *GraphError
	return errors.As(err, &ge) && ge.NotFound()
}

const replicationTries = 5

// retry runs write until it succeeds, fails otherwise than lagging says,
// runs out of tries, or ctx ends (the last refusal is returned then).
func (l *replicationLag) retry(ctx context.Context, write func() error, lagging func(error) bool) error {
	wait, most := l.first, l.most
	if wait <= 0 {
		wait = time.Second
	}
	if most <= 0 {
		most = 8 * time.Second
	}
	wait = min(wait, most) // a MinWait above MaxWait is bounded by it
	var err error
	for try := 1; ; try++ {
		if err = write(); err == nil || !lagging(err) || try == replicationTries {
			return err
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		wait = min(2*wait, most)
	}
}

// appNotReplicated reports Graph's refusals of POST /servicePrincipals for
// an application it cannot see yet: 400 "The appId '…' of the service
// principal does not reference a valid application object", and, for a
// caller with Application.ReadWrite.OwnedBy, 403 "When using this
// permission, the backing application of the service principal being
// created must in the local tenant". Both are what Graph answers for an
// application created moments before on another replica; tools that
// create a registration and then its service principal (the Terraform
// provider's Graph client among them) wait and try again.
func appNotReplicated(err error) bool {
	var ge *GraphError
	if !errors.As(err, &ge) {
		return false
	}
	msg := strings.ToLower(ge.Message)
	switch ge.StatusCode {
	case http.StatusBadRequest:
		return strings.Contains(msg, "does not reference a valid application object")
	case http.StatusForbidden:
		return strings.Contains(msg, "backing application of the service principal being created must in the local tenant")
	}
	return false
}
