package telemetry

import "sync"

// Ring is a goroutine-safe series that keeps the newest Limit items: the
// common core of every time series the graphs draw.
type Ring[T any] struct {
	mu    sync.Mutex
	limit int
	items []T
}

// NewRing keeps at most limit items (default 3600: an hour at 1 Hz).
func NewRing[T any](limit int) *Ring[T] {
	if limit <= 0 {
		limit = 3600
	}
	return &Ring[T]{limit: limit}
}

// Append adds v, computed by next from the newest item before it (ok false
// when there is none), and returns what was stored. next runs under the
// lock, so derived values (rates over a window) see a consistent history.
func (r *Ring[T]) Append(v T, next func(history []T, v T) T) T {
	r.mu.Lock()
	defer r.mu.Unlock()
	if next != nil {
		v = next(r.items, v)
	}
	r.items = append(r.items, v)
	if len(r.items) > r.limit {
		r.items = append(r.items[:0:0], r.items[len(r.items)-r.limit:]...)
	}
	return v
}

// All returns a copy, oldest first.
func (r *Ring[T]) All() []T {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]T(nil), r.items...)
}

// Last returns the newest item and whether there is one.
func (r *Ring[T]) Last() (T, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var zero T
	if len(r.items) == 0 {
		return zero, false
	}
	return r.items[len(r.items)-1], true
}
