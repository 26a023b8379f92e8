package registration

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/entrakit/entrakit/graphauth"
)

// Rotator renews an app's client secret (NewRotator) or certificate
// (NewCertificateRotator) through Graph before it expires, for an app that
// manages its own credentials
// (Application.ReadWrite.OwnedBy on its own object). When the live secret
// is due (within RotatorOptions.Lead of its end), one replica of the fleet
// (the one that takes the lease) adds a new secret with addPassword,
// shares it through the Store, and switches its [graphauth.SecretSlot] to
// it; every replica's Rotator picks it up from the Store and switches its
// own slot. After the overlap, the old secret is removed with
// removePassword. Every step is logged; a failure leaves the old secret in
// use and comes back from Check.
//
// The Store holds the live secret: it must be a graphauth.ConfidentialStore
// (tokenstore.Encrypted around a shared store, or an in-process
// graphauth.MemoryStore); NewRotator refuses another. It is safe for
// concurrent use.
type Rotator struct {
	c      *Client
	cred   live
	o      RotatorOptions
	holder string
	mu     sync.Mutex  // one Check at a time
	live   secretState // what this replica uses
}

// Lease is a lock with an expiry that the replicas of a service share, so
// that one of them rotates. redisstore.Store implements it; [LocalLease]
// serves the replicas of one process.
type Lease interface {
	// TryAcquire takes the lease name for holder until ttl passes, when no
	// one else holds it, and reports whether it did.
	TryAcquire(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	// Release lets go of the lease if holder holds it.
	Release(ctx context.Context, name, holder string) error
}

// RotatorOptions configures a Rotator.
type RotatorOptions struct {
	// ObjectID is the app registration's object ID (not its client ID).
	// Required.
	ObjectID string
	// KeyID is the live secret's keyId. Empty means the one whose hint
	// (first three characters) matches the slot's secret, when only one
	// does.
	KeyID string
	// Store shares the live secret between replicas. Required; it must be
	// a graphauth.ConfidentialStore (tokenstore.Encrypted around a shared
	// store).
	Store graphauth.Store
	// Lease lets one replica rotate. Nil means the Store's own when it is
	// a Lease or wraps one (tokenstore.Encrypted around a
	// redisstore.Store, found through the wrappers' Unwrap), else a
	// LocalLease of its own: right for a single replica only.
	Lease Lease
	// Lead is how long before the live secret's end a new one is made.
	// Zero means 30 days.
	Lead time.Duration
	// Lifetime is the new secret's validity. Zero means 180 days.
	Lifetime time.Duration
	// Overlap is how long the old secret stays on the app after the
	// switch, for replicas that have not picked the new one up yet: at
	// least Interval, as each replica picks it up at its next check. Zero
	// means one hour, or twice Interval if that is longer.
	Overlap time.Duration
	// Interval is how often Run checks. Zero means one minute.
	Interval time.Duration
	// Logger receives a record for every step. Nil means silent. No record
	// holds a secret.
	Logger *slog.Logger
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
}

// secretState is the live secret as the replicas share it.
type secretState struct {
	KeyID       string
	Value       graphauth.Secret // the secret, or the certificate and key in PEM
	End         time.Time
	Previous    string // the old secret's keyId, until it is removed
	RemoveAfter time.Time
}

// sharedState is secretState in the Store. Its secret is a plain string:
// graphauth.Secret marshals as "REDACTED", which is what every other
// place wants.
type sharedState struct {
	KeyID       string    `json:"keyId"`
	Value       string    `json:"value"`
	Kind        string    `json:"kind"`
	End         time.Time `json:"end"`
	Previous    string    `json:"previousKeyId,omitempty"`
	RemoveAfter time.Time `json:"removeAfter,omitzero"`
}

// NewRotator returns a Rotator that renews the secret in slot, with c
// (which may authenticate with that same secret). It returns an error when
// ObjectID or Store is missing or a duration is negative; nothing is sent.
func NewRotator(c *Client, slot *graphauth.SecretSlot, opts RotatorOptions) (*Rotator, error) {
	if slot == nil {
		return nil, errors.New("registration: NewRotator needs a SecretSlot")
	}
	return newRotator(c, secretLive{slot: slot}, opts)
}

func newRotator(c *Client, cred live, opts RotatorOptions) (*Rotator, error) {
	switch {
	case c == nil:
		return nil, errors.New("registration: a Rotator needs a Client")
	case opts.ObjectID == "":
		return nil, errors.New("registration: RotatorOptions.ObjectID (the app's object ID) is required")
	case opts.Store == nil:
		return nil, errors.New("registration: RotatorOptions.Store is required, to share the new secret between replicas")
	case !graphauth.IsConfidential(opts.Store):
		return nil, errors.New("registration: RotatorOptions.Store would keep the live credential readable outside this process: wrap it with tokenstore.Encrypted (an in-process graphauth.MemoryStore needs nothing); a Store of your own that wraps a sealed one must say so, implementing graphauth.ConfidentialStore with graphauth.IsConfidential of the Store it wraps")
	case opts.Lead < 0 || opts.Lifetime < 0 || opts.Overlap < 0 || opts.Interval < 0:
		return nil, errors.New("registration: RotatorOptions durations must not be negative")
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&opts.Lead, 30*24*time.Hour)
	def(&opts.Lifetime, 180*24*time.Hour)
	def(&opts.Interval, time.Minute)
	def(&opts.Overlap, max(time.Hour, 2*opts.Interval))
	if opts.Lifetime <= opts.Lead {
		return nil, errors.New("registration: RotatorOptions.Lifetime must be longer than Lead, or every new secret is due at once")
	}
	if opts.Overlap < opts.Interval {
		return nil, fmt.Errorf("registration: RotatorOptions.Overlap (%s) must be at least Interval (%s): a replica picks the new secret up at its next check, and the old one must still be on the app until then", opts.Overlap, opts.Interval)
	}
	if opts.Lease == nil {
		opts.Lease = leaseIn(opts.Store)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read does not fail
	return &Rotator{c: c, cred: cred, o: opts, holder: hex.EncodeToString(b[:])}, nil
}

// leaseIn returns the Lease that store is or wraps (through Unwrap, as
// tokenstore.EncryptedStore has), so that replicas sharing a Redis store
// share its lease even when RotatorOptions.Lease was left out; else a
// LocalLease.
func leaseIn(store graphauth.Store) Lease {
	for range 8 { // a bound, against a wrapper that unwraps to itself
		if l, ok := store.(Lease); ok {
			return l
		}
		u, ok := store.(interface{ Unwrap() graphauth.Store })
		if !ok {
			break
		}
		if store = u.Unwrap(); store == nil {
			break
		}
	}
	return NewLocalLease()
}

// stateKey names the shared state, and the lease, of one app's secret or
// certificate: the two can rotate side by side.
func (r *Rotator) stateKey() string {
	return "rotation:" + r.cred.kind() + ":" + strings.ToLower(r.o.ObjectID)
}

func (r *Rotator) leaseName() string { return r.stateKey() }

// Run checks every Interval until ctx ends, logging failures (Check's
// errors); it returns ctx's error.
func (r *Rotator) Run(ctx context.Context) error {
	t := time.NewTicker(r.o.Interval)
	defer t.Stop()
	for {
		if _, err := r.Check(ctx); err != nil {
			r.o.Logger.LogAttrs(ctx, slog.LevelError, "registration: rotation check failed; the old credential stays in use", r.attrs(slog.String("error", err.Error()))...)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Rotation says what one Check did.
type Rotation int

// What a Check can do.
const (
	Nothing     Rotation = iota // the live secret is not due; nothing to remove
	PickedUp                    // another replica rotated: its secret is now in use here
	Rotated                     // this replica made a new secret and switched to it
	Removed                     // the old secret's overlap had passed: it was removed from the app
	LeftToOther                 // the secret is due, but another replica holds the lease
)

var rotationNames = [...]string{"nothing", "picked up", "rotated", "removed", "left to another replica"}

// String names the outcome.
func (o Rotation) String() string {
	if int(o) < len(rotationNames) {
		return rotationNames[o]
	}
	return fmt.Sprintf("Rotation(%d)", int(o))
}

// Check takes the secret another replica shared, rotates the live secret
// when it is due and removes the old one once its overlap has passed. A
// failure (a Graph refusal as *GraphError, a Store or lease error) leaves
// the secret in use unchanged.
func (r *Rotator) Check(ctx context.Context) (Rotation, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.live.KeyID == "" {
		before, _ := r.cred.value()
		if err := r.start(ctx); err != nil {
			return Nothing, err
		}
		if after, _ := r.cred.value(); after != before {
			return PickedUp, nil
		}
	}
	shared, found, err := r.shared(ctx)
	if err != nil {
		return Nothing, err
	}
	if found && shared.KeyID != r.live.KeyID {
		if err := r.pickUp(ctx, shared); err != nil {
			return Nothing, err
		}
		return PickedUp, nil
	}
	if found && shared.Previous == "" && r.live.Previous != "" {
		// Another replica removed the old secret.
		r.live = shared
		r.cred.retire()
	}
	now := r.o.Now()
	if now.Add(r.o.Lead).Before(r.live.End) {
		if r.live.Previous != "" && !now.Before(r.live.RemoveAfter) {
			return r.withLease(ctx, r.removePrevious)
		}
		return Nothing, nil
	}
	return r.withLease(ctx, r.rotate)
}

// leaseTTL is how long the rotation lease is taken for, and extended
// for before the new credential is shared.
const leaseTTL = 2 * time.Minute

// withLease runs step while holding the lease; without it, another
// replica is at work.
func (r *Rotator) withLease(ctx context.Context, step func(context.Context) (Rotation, error)) (Rotation, error) {
	ok, err := r.o.Lease.TryAcquire(ctx, r.leaseName(), r.holder, leaseTTL)
	if err != nil {
		return Nothing, fmt.Errorf("registration: taking the rotation lease: %w", err)
	}
	if !ok {
		r.o.Logger.LogAttrs(ctx, slog.LevelInfo, "registration: another replica holds the rotation lease", r.attrs()...)
		return LeftToOther, nil
	}
	defer func() {
		if err := r.o.Lease.Release(context.WithoutCancel(ctx), r.leaseName(), r.holder); err != nil {
			r.o.Logger.LogAttrs(ctx, slog.LevelWarn, "registration: releasing the rotation lease failed; it expires by itself", r.attrs(slog.String("error", err.Error()))...)
		}
	}()
	// Another replica may have finished while this one waited.
	if shared, found, err := r.shared(ctx); err != nil {
		return Nothing, err
	} else if found && shared.KeyID != r.live.KeyID {
		return PickedUp, r.pickUp(ctx, shared)
	}
	return step(ctx)
}

func (r *Rotator) attrs(extra ...slog.Attr) []slog.Attr {
	return append([]slog.Attr{slog.String("object_id", r.o.ObjectID), slog.String("key_id", r.live.KeyID)}, extra...)
}

// String names the app and the live secret's keyId; never a secret.
func (r *Rotator) String() string {
	if r == nil {
		return "registration.Rotator{}"
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return fmt.Sprintf("registration.Rotator{ObjectID: %q, KeyID: %q}", r.o.ObjectID, r.live.KeyID)
}

// Format prints String for every verb.
func (r *Rotator) Format(f fmt.State, _ rune) { fmt.Fprint(f, r.String()) }
