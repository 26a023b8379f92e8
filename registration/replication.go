package registration

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"
)

// replicationLag paces the retries of a write that Graph refused because
// an object created moments before had not reached the replica that served
// it: first, then doubling up to most, five tries in all (about 15 s by
// default), never past the context's deadline.
type replicationLag struct {
	first, most time.Duration
}

const replicationTries = 5

// retry runs write until it succeeds, fails otherwise than lagging says,
// runs out of tries, or ctx ends (the last refusal is returned then).
func (l replicationLag) retry(ctx context.Context, write func() error, lagging func(error) bool) error {
	wait, most := l.first, l.most
	if wait <= 0 {
		wait = time.Second
	}
	if most <= 0 {
		most = 8 * time.Second
	}
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
