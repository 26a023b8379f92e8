package registration

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/entrakit/entrakit/graphauth"
)

// start learns which of the app's credentials is live: the one the Store
// shares, or KeyID, or the one the slot holds (a secret by its hint, a
// certificate by its thumbprint).
func (r *Rotator) start(ctx context.Context) error {
	if shared, found, err := r.shared(ctx); err != nil {
		return err
	} else if found {
		return r.pickUp(ctx, shared)
	}
	creds, err := r.c.Credentials(ctx, r.o.ObjectID)
	if err != nil {
		return err
	}
	var match []CredentialInfo
	for _, ci := range creds {
		if ci.Kind != r.cred.kind() {
			continue
		}
		if (r.o.KeyID != "" && strings.EqualFold(ci.KeyID, r.o.KeyID)) || (r.o.KeyID == "" && r.cred.matches(ci)) {
			match = append(match, ci)
		}
	}
	if len(match) != 1 {
		return fmt.Errorf("registration: cannot tell which of the app's %d credentials is in use (%d match): set RotatorOptions.KeyID", len(creds), len(match))
	}
	v, err := r.cred.value()
	if err != nil {
		return err
	}
	r.live = secretState{KeyID: match[0].KeyID, Value: v, End: match[0].End}
	r.o.Logger.LogAttrs(ctx, slog.LevelInfo, "registration: rotation watches the live "+r.cred.kind(), r.attrs(slog.Time("end", r.live.End))...)
	return nil
}

// shared reads the state the replicas share; found is false when none was
// written yet.
func (r *Rotator) shared(ctx context.Context) (secretState, bool, error) {
	data, err := r.o.Store.Get(ctx, r.stateKey())
	if errors.Is(err, graphauth.ErrNotFound) {
		return secretState{}, false, nil
	}
	if err != nil {
		return secretState{}, false, fmt.Errorf("registration: reading the shared secret: %w", err)
	}
	var st sharedState
	if err := json.Unmarshal(data, &st); err != nil || st.KeyID == "" || st.Kind != r.cred.kind() || r.checkValue(graphauth.Secret(st.Value)) != nil {
		return secretState{}, false, fmt.Errorf("registration: the shared %s: %w", r.cred.kind(), graphauth.ErrCorruptEntry)
	}
	return secretState{KeyID: st.KeyID, Value: graphauth.Secret(st.Value), End: st.End, Previous: st.Previous, RemoveAfter: st.RemoveAfter}, true, nil
}

// checkValue validates a shared value before it is used.
func (r *Rotator) checkValue(v graphauth.Secret) error {
	if r.cred.kind() == "secret" {
		return CheckSecret(string(v))
	}
	_, err := leafOf(v)
	return err
}

// share writes st for the other replicas, kept until the secret ends.
func (r *Rotator) share(ctx context.Context, st secretState) error {
	data, err := json.Marshal(sharedState{KeyID: st.KeyID, Value: string(st.Value), Kind: r.cred.kind(), End: st.End, Previous: st.Previous, RemoveAfter: st.RemoveAfter})
	if err != nil {
		return fmt.Errorf("registration: encoding the shared %s: %w", r.cred.kind(), err)
	}
	ttl := st.End.Sub(r.o.Now())
	if ttl <= 0 {
		ttl = time.Hour
	}
	if err := r.o.Store.Set(ctx, r.stateKey(), data, ttl); err != nil {
		return fmt.Errorf("registration: sharing the new %s: %w", r.cred.kind(), err)
	}
	return nil
}

// pickUp switches this replica to the secret another replica shared.
func (r *Rotator) pickUp(ctx context.Context, st secretState) error {
	if err := r.cred.set(st.Value); err != nil {
		return fmt.Errorf("registration: switching to the shared %s: %w", r.cred.kind(), err)
	}
	if st.Previous == "" {
		r.cred.retire()
	}
	prev := r.live.KeyID
	r.live = st
	r.o.Logger.LogAttrs(ctx, slog.LevelInfo, "registration: switched to the "+r.cred.kind()+" another replica made",
		r.attrs(slog.String("previous_key_id", prev), slog.Time("end", st.End))...)
	return nil
}

// rotate adds a new credential, shares it, then switches to it. A
// failure before the switch removes the new credential again and keeps
// the old one.
func (r *Rotator) rotate(ctx context.Context) (Rotation, error) {
	now, kind := r.o.Now(), r.cred.kind()
	r.o.Logger.LogAttrs(ctx, slog.LevelInfo, "registration: the live "+kind+" is due; adding a new one", r.attrs(slog.Time("end", r.live.End))...)
	r.warnOrphans(ctx)
	keyID, v, end, err := r.cred.add(ctx, r.c, r.o.ObjectID, now, now.Add(r.o.Lifetime))
	if err != nil {
		return Nothing, fmt.Errorf("registration: adding the new %s: %w", kind, err)
	}
	next := secretState{KeyID: keyID, Value: v, End: end, Previous: r.live.KeyID, RemoveAfter: now.Add(r.o.Overlap)}
	undo := func(cause error) (Rotation, error) {
		if rerr := r.cred.remove(context.WithoutCancel(ctx), r.c, r.o.ObjectID, keyID); rerr != nil {
			r.o.Logger.LogAttrs(ctx, slog.LevelError, "registration: removing the unused new "+kind+" failed; remove it by hand",
				r.attrs(slog.String("new_key_id", keyID), slog.String("error", rerr.Error()))...)
		}
		return Nothing, cause
	}
	// Adding the credential may have outlasted the lease (Graph throttled
	// it, say): another replica may then be rotating too, and the later
	// share would leave this credential or that one on the app, valid and
	// never removed. The lease is extended first, and the new credential
	// removed again when it passed to another replica.
	if held, lerr := r.o.Lease.TryAcquire(ctx, r.leaseName(), r.holder, leaseTTL); lerr != nil || !held {
		if lerr != nil {
			return undo(fmt.Errorf("registration: extending the rotation lease before sharing the new %s: %w", kind, lerr))
		}
		r.o.Logger.LogAttrs(ctx, slog.LevelWarn, "registration: the rotation lease passed to another replica while the new "+kind+" was added; removing it again",
			r.attrs(slog.String("new_key_id", keyID))...)
		_, _ = undo(nil)
		return LeftToOther, nil
	}
	if err := r.share(ctx, next); err != nil {
		// A write whose reply was lost (a timeout) may have landed: the
		// other replicas then pick the new secret up, and removing it from
		// the app would take them down. It is removed only when the Store
		// shows the write did not land; kept, and used, when it did.
		shared, found, rerr := r.shared(context.WithoutCancel(ctx))
		switch {
		case rerr != nil:
			r.o.Logger.LogAttrs(ctx, slog.LevelError, "registration: cannot tell whether the new "+kind+" was shared; it stays on the app, unused here",
				r.attrs(slog.String("new_key_id", keyID), slog.String("error", err.Error()))...)
			return Nothing, err
		case !found || !strings.EqualFold(shared.KeyID, keyID):
			return undo(err)
		}
		r.o.Logger.LogAttrs(ctx, slog.LevelWarn, "registration: the Store reported a failure but holds the new "+kind+"; using it",
			r.attrs(slog.String("new_key_id", keyID), slog.String("error", err.Error()))...)
	}
	if err := r.cred.set(next.Value); err != nil {
		return undo(fmt.Errorf("registration: switching to the new %s: %w", kind, err))
	}
	prev := r.live.KeyID
	r.live = next
	r.o.Logger.LogAttrs(ctx, slog.LevelInfo, "registration: rotated: the new "+kind+" is in use",
		r.attrs(slog.String("previous_key_id", prev), slog.Time("end", next.End), slog.Time("remove_previous_after", next.RemoveAfter))...)
	return Rotated, nil
}

// rotatedPrefix begins the display name of every credential a Rotator
// adds.
const rotatedPrefix = "rotated "

// warnOrphans logs the credentials that a rotation added but that no
// replica shares: a replica that died between addPassword and sharing
// the new secret left one on the app, valid, with a value nobody holds.
// They are not removed, as another deployment of the app with a Store
// of its own may be using them; the log names them for an operator.
func (r *Rotator) warnOrphans(ctx context.Context) {
	creds, err := r.c.Credentials(ctx, r.o.ObjectID)
	if err != nil {
		return // the rotation's own calls report Graph's failures
	}
	var orphans []string
	for _, ci := range creds {
		if ci.Kind == r.cred.kind() && strings.HasPrefix(ci.DisplayName, rotatedPrefix) &&
			!strings.EqualFold(ci.KeyID, r.live.KeyID) && !strings.EqualFold(ci.KeyID, r.live.Previous) {
			orphans = append(orphans, ci.KeyID)
		}
	}
	if len(orphans) > 0 {
		r.o.Logger.LogAttrs(ctx, slog.LevelWarn, "registration: the app holds "+r.cred.kind()+"s that a rotation added but no replica shares "+
			"(a replica stopped before sharing one, or another deployment rotates the app with a Store of its own): remove those not in use",
			r.attrs(slog.Any("orphan_key_ids", orphans))...)
	}
}

// removePrevious removes the old secret once the overlap has passed. One
// already gone (removed by hand) counts as removed.
func (r *Rotator) removePrevious(ctx context.Context) (Rotation, error) {
	err := r.cred.remove(ctx, r.c, r.o.ObjectID, r.live.Previous)
	var gerr *GraphError
	if err != nil && !(errors.As(err, &gerr) && gerr.NotFound()) {
		return Nothing, fmt.Errorf("registration: removing the old %s: %w", r.cred.kind(), err)
	}
	removed := r.live.Previous
	next := r.live
	next.Previous, next.RemoveAfter = "", time.Time{}
	if err := r.share(ctx, next); err != nil {
		return Nothing, err
	}
	r.live = next
	r.cred.retire()
	r.o.Logger.LogAttrs(ctx, slog.LevelInfo, "registration: removed the old "+r.cred.kind()+" after the overlap", r.attrs(slog.String("removed_key_id", removed))...)
	return Removed, nil
}

// LocalLease is a Lease for the replicas of one process (or one
// replica). It is safe for concurrent use.
type LocalLease struct {
	mu     sync.Mutex
	leases map[string]localHold
	now    func() time.Time
}

type localHold struct {
	holder string
	until  time.Time
}

// NewLocalLease returns an empty LocalLease.
func NewLocalLease() *LocalLease {
	return &LocalLease{leases: map[string]localHold{}, now: time.Now}
}

// TryAcquire takes the lease for holder when it is free, expired or
// already holder's.
func (l *LocalLease) TryAcquire(_ context.Context, name, holder string, ttl time.Duration) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if h, ok := l.leases[name]; ok && h.holder != holder && now.Before(h.until) {
		return false, nil
	}
	l.leases[name] = localHold{holder: holder, until: now.Add(ttl)}
	return true, nil
}

// Release lets go of the lease if holder holds it.
func (l *LocalLease) Release(_ context.Context, name, holder string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if h, ok := l.leases[name]; ok && h.holder == holder {
		delete(l.leases, name)
	}
	return nil
}
