package consent

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/entrakit/entrakit/graphauth"
)

// defaultParallel is how many tenants Reverify checks at once by default.
const defaultParallel = 8

// Reverify confirms every tenant in the registry again (a new app-only
// token in each, its roles against required), at most opts.Parallel at
// once, and records each result, for the dashboard that shows which
// customers are still authorised. A tenant whose token carries the roles
// becomes StatusConfirmed. A tenant that had confirmed gets one token
// request, without the retries a new grant gets while it propagates: if it
// answers AADSTS700016 (an administrator removed the app) it becomes
// StatusRemoved, and if its token lacks roles (revoked) StatusFailed with
// Missing set. A record that was pending stays StatusPending while roles
// are missing after the retries; any other failure is StatusFailed with
// Error set. It returns the updated
// records in the registry's order; a tenant that fails does not stop the
// others, and an error storing a record is returned, joined, after all
// were checked.
func Reverify(ctx context.Context, reg Registry, cred graphauth.TokenCredential, required []string, opts *ConfirmOptions) ([]Record, error) {
	recs, err := reg.List(ctx)
	if err != nil {
		return nil, err
	}
	var o ConfirmOptions
	if opts != nil {
		o = *opts
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	slots := make(chan struct{}, orDefault(o.Parallel, defaultParallel))
	errs := make([]error, len(recs))
	var wg sync.WaitGroup
	for i := range recs {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer func() { <-slots; wg.Done() }()
			recs[i] = recheck(ctx, cred, recs[i], required, o, now)
			errs[i] = reg.Put(ctx, recs[i])
		}()
	}
	wg.Wait()
	return recs, errors.Join(errs...)
}

// recheck confirms one tenant's grant again and returns its updated
// record.
func recheck(ctx context.Context, cred graphauth.TokenCredential, rec Record, required []string, o ConfirmOptions, now func() time.Time) Record {
	mode := confirmMode(0)
	if rec.Status == StatusConfirmed {
		mode |= settled
	}
	c, err := confirm(ctx, cred, rec.TenantID, required, o, mode)
	rec.LastVerified, rec.Roles, rec.Missing, rec.Error = now(), c.Roles, c.Missing, ""
	var ae *graphauth.AuthError
	switch {
	case err != nil && mode&settled != 0 && errors.As(err, &ae) && ae.HasCode(700016):
		rec.Status, rec.Error = StatusRemoved, oneLine(err)
	case err != nil:
		rec.Status, rec.Error = StatusFailed, oneLine(err)
	case c.Confirmed():
		rec.Status = StatusConfirmed
	case rec.Status != StatusPending:
		rec.Status = StatusFailed
		rec.Error = "these application permissions are not in the tenant's tokens: " + strings.Join(c.Missing, ", ")
	}
	return rec
}

// oneLine is an error's first line, for Record.Error.
func oneLine(err error) string {
	line, _, _ := strings.Cut(err.Error(), "\n")
	return strings.TrimSpace(line)
}
