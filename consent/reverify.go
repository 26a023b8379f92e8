package consent

import (
	"context"
	"errors"
	"fmt"
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
// Error set.
//
// Each result is written onto the tenant's record as the registry holds
// it when the check ends: a tenant deleted meanwhile stays deleted (and is
// left out of the result), and one onboarded again meanwhile keeps its new
// AppState and ConsentedBy, and one that was pending and that another
// replica confirmed meanwhile is not set back to pending. When ctx ends, the tenants not yet checked keep
// their records unchanged, and the error wraps ctx's. It returns the
// updated records in the registry's order; a tenant that fails does not
// stop the others, and an error storing a record is returned, joined,
// after all were checked; so is a List error wrapping ErrCorruptRecord,
// after the records List could read were checked. Negative options are a
// *graphauth.ConfigError.
func Reverify(ctx context.Context, reg Registry, cred graphauth.TokenCredential, required []string, opts *ConfirmOptions) ([]Record, error) {
	var o ConfirmOptions
	if opts != nil {
		o = *opts
	}
	if o.Parallel < 0 || o.Timeout < 0 || o.FirstWait < 0 {
		return nil, &graphauth.ConfigError{Field: "ConfirmOptions", Reason: "Parallel, Timeout and FirstWait must not be negative (zero means the default)"}
	}
	recs, err := reg.List(ctx)
	var unreadable error // values List could not read; the others are checked
	if errors.Is(err, ErrCorruptRecord) {
		unreadable, err = err, nil
	}
	if err != nil {
		return nil, err
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	slots := make(chan struct{}, orDefault(o.Parallel, defaultParallel))
	errs := make([]error, len(recs))
	gone := make([]bool, len(recs))
	var wg sync.WaitGroup
	for i := range recs {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer func() { <-slots; wg.Done() }()
			checked := recheck(ctx, cred, recs[i], required, o, now)
			if ctx.Err() != nil {
				return // cut short: the record stays as it was
			}
			recs[i], gone[i], errs[i] = store(ctx, reg, checked)
		}()
	}
	wg.Wait()
	out := recs[:0]
	for i, r := range recs {
		if !gone[i] {
			out = append(out, r)
		}
	}
	if ctx.Err() != nil {
		errs = append(errs, fmt.Errorf("consent: Reverify stopped before every tenant was checked: %w", ctx.Err()))
	}
	return out, errors.Join(append(errs, unreadable)...)
}

// store writes a check's result onto the tenant's current record, in one
// atomic update where the Registry can (Updater), so that a round trip
// recorded by another replica meanwhile keeps its AppState. A pending
// result does not replace a confirmation another replica stored since the
// check began. gone reports a tenant deleted since the check began, which
// is not written back.
func store(ctx context.Context, reg Registry, checked Record) (rec Record, gone bool, err error) {
	found := false
	rec, _, err = update(ctx, reg, checked.TenantID, func(cur Record, ok bool) (Record, bool) {
		if found = ok; !ok {
			return cur, false
		}
		if checked.Status == StatusPending && cur.Status == StatusConfirmed {
			// Confirmed by another replica since the check read the
			// record as pending: roles not yet seen here are no news.
			return cur, false
		}
		cur.Status, cur.Error, cur.Roles, cur.Missing, cur.LastVerified = checked.Status, checked.Error, checked.Roles, checked.Missing, checked.LastVerified
		return cur, true
	})
	if err != nil {
		return checked, false, err
	}
	if !found {
		return checked, true, nil
	}
	return rec, false, nil
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
