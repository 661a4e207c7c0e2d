// Package filtercost keeps what each video filter costs: a sliding window of
// the last N Apply durations per filter name with P50/P95/max, and the
// frames-in/frames-out counters of the stage that runs them. It is plain Go,
// safe for concurrent use: the stage's streaming thread records while the UI
// or QA reads snapshots.
package filtercost

import (
	"math"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultWindow is how many durations per filter a Recorder keeps when New is
// given a window < 1 (300 = 10 s at 30 fps).
const DefaultWindow = 300

// Snapshot is one filter's cost over its current window.
type Snapshot struct {
	Name string `json:"name"`
	// Samples is how many durations the window holds now (≤ the window size).
	Samples int `json:"samples"`
	// Total counts every Observe for this name since the Recorder was made.
	Total uint64        `json:"total"`
	Last  time.Duration `json:"last_ns"`
	P50   time.Duration `json:"p50_ns"`
	P95   time.Duration `json:"p95_ns"`
	Max   time.Duration `json:"max_ns"`
	Mean  time.Duration `json:"mean_ns"`
}

// Recorder is a goroutine-safe set of per-name sliding windows plus two
// frame counters. The zero value is not usable; call New.
type Recorder struct {
	window int

	mu    sync.RWMutex // guards names (the map), never held while recording into a ring
	names map[string]*ring

	in, out atomic.Uint64
}

type ring struct {
	mu    sync.Mutex
	buf   []time.Duration // len == window once full
	next  int             // where the next sample goes once full
	total uint64
	last  time.Duration
}

// New makes a Recorder keeping the last window durations per name.
func New(window int) *Recorder {
	if window < 1 {
		window = DefaultWindow
	}
	return &Recorder{window: window, names: make(map[string]*ring)}
}

// Window is the number of durations kept per name.
func (r *Recorder) Window() int { return r.window }

// Observe records one duration for name. Negative durations count as 0.
func (r *Recorder) Observe(name string, d time.Duration) {
	if d < 0 {
		d = 0
	}
	rg := r.ring(name)
	rg.mu.Lock()
	if len(rg.buf) < r.window {
		rg.buf = append(rg.buf, d)
	} else {
		rg.buf[rg.next] = d
		rg.next = (rg.next + 1) % r.window
	}
	rg.total++
	rg.last = d
	rg.mu.Unlock()
}

func (r *Recorder) ring(name string) *ring {
	r.mu.RLock()
	rg := r.names[name]
	r.mu.RUnlock()
	if rg != nil {
		return rg
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if rg = r.names[name]; rg == nil {
		rg = &ring{buf: make([]time.Duration, 0, min(r.window, 64))}
		r.names[name] = rg
	}
	return rg
}

// Forget drops name's window (e.g. when a filter leaves the chain for good).
func (r *Recorder) Forget(name string) {
	r.mu.Lock()
	delete(r.names, name)
	r.mu.Unlock()
}

// FrameIn counts one frame entering the stage.
func (r *Recorder) FrameIn() { r.in.Add(1) }

// FrameOut counts one frame leaving the stage.
func (r *Recorder) FrameOut() { r.out.Add(1) }

// Counts returns frames in and out so far.
func (r *Recorder) Counts() (in, out uint64) { return r.in.Load(), r.out.Load() }

// Get returns the snapshot for one name and whether it has any samples.
func (r *Recorder) Get(name string) (Snapshot, bool) {
	r.mu.RLock()
	rg := r.names[name]
	r.mu.RUnlock()
	if rg == nil {
		return Snapshot{Name: name}, false
	}
	return rg.snapshot(name), true
}

// Snapshot returns every name's cost, sorted by name.
func (r *Recorder) Snapshot() []Snapshot {
	r.mu.RLock()
	names := make([]string, 0, len(r.names))
	rings := make(map[string]*ring, len(r.names))
	for n, rg := range r.names {
		names = append(names, n)
		rings[n] = rg
	}
	r.mu.RUnlock()
	sort.Strings(names)
	out := make([]Snapshot, 0, len(names))
	for _, n := range names {
		out = append(out, rings[n].snapshot(n))
	}
	return out
}

func (rg *ring) snapshot(name string) Snapshot {
	rg.mu.Lock()
	s := slices.Clone(rg.buf)
	total, last := rg.total, rg.last
	rg.mu.Unlock()
	snap := Snapshot{Name: name, Samples: len(s), Total: total, Last: last}
	if len(s) == 0 {
		return snap
	}
	slices.Sort(s)
	var sum float64
	for _, d := range s {
		sum += float64(d)
	}
	snap.P50 = Percentile(s, 50)
	snap.P95 = Percentile(s, 95)
	snap.Max = s[len(s)-1]
	snap.Mean = time.Duration(sum / float64(len(s)))
	return snap
}

// Percentile is the nearest-rank p-th percentile (0 < p ≤ 100) of sorted,
// which must be in ascending order; 0 for an empty slice.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = max(1, min(rank, len(sorted)))
	return sorted[rank-1]
}
