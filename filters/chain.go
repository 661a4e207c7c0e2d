package filters

import (
	"fmt"
	"reflect"
	"slices"
	"sync"
	"time"

	"gocv.io/x/gocv"
)

// filterChain is one immutable chain as the probe sees it: the filters in
// order and their cost keys, fixed at SetChain time. The only mutable part
// is failed, the filters the stage took out of the chain while this chain was
// installed or running; SetChain leaves them out of the filters it hands
// back (their ownership went to OnFilterError).
type filterChain struct {
	filters []Filter
	keys    []string // Spec() per filter: cost window names

	failMu sync.Mutex
	failed []Filter
}

func newFilterChain(fs []Filter) *filterChain {
	c := &filterChain{filters: make([]Filter, 0, len(fs)), keys: make([]string, 0, len(fs))}
	for _, f := range fs {
		if f == nil {
			continue
		}
		c.filters = append(c.filters, f)
		c.keys = append(c.keys, filterKey(f))
	}
	return c
}

// filterKey names f in the cost windows: its Spec (name with parameters),
// so two differently set blurs get separate windows.
func filterKey(f Filter) (key string) {
	defer func() {
		if recover() != nil {
			key = fmt.Sprintf("%T", f)
		}
	}()
	if k := f.Spec(); k != "" {
		return k
	}
	return f.Name()
}

// sameFilter compares filter identity without panicking on uncomparable
// dynamic types (which are then never equal to anything but themselves
// by position).
func sameFilter(a, b Filter) bool {
	ta, tb := reflect.TypeOf(a), reflect.TypeOf(b)
	if ta != tb || !ta.Comparable() {
		return false
	}
	return a == b
}

func (c *filterChain) contains(f Filter) bool {
	return slices.ContainsFunc(c.filters, func(g Filter) bool { return sameFilter(f, g) })
}

func (c *filterChain) without(f Filter) *filterChain {
	n := &filterChain{}
	for i, g := range c.filters {
		if !sameFilter(f, g) {
			n.filters = append(n.filters, g)
			n.keys = append(n.keys, c.keys[i])
		}
	}
	return n
}

func (c *filterChain) markFailed(f Filter) {
	c.failMu.Lock()
	if !slices.ContainsFunc(c.failed, func(g Filter) bool { return sameFilter(f, g) }) {
		c.failed = append(c.failed, f)
	}
	c.failMu.Unlock()
}

// owned is what SetChain hands back: the filters minus those the stage
// removed (and reported) while this chain was in use.
func (c *filterChain) owned() []Filter {
	c.failMu.Lock()
	defer c.failMu.Unlock()
	out := make([]Filter, 0, len(c.filters))
	for _, f := range c.filters {
		if !slices.ContainsFunc(c.failed, func(g Filter) bool { return sameFilter(f, g) }) {
			out = append(out, f)
		}
	}
	return out
}

// frameMat is the probe's view of one mapped BGR buffer as a gocv Mat.
type frameMat struct {
	data          []byte // the mapped buffer (C memory)
	w, h, stride  int
	mats          []gocv.Mat // headers to close, in creation order
	img           gocv.Mat   // the CV_8UC3 view filters get
	scratch       *[]byte    // rollback copy, nil when rollback is off
	failedThisRun []Filter
}

// wrap builds a CV_8UC3 header over data without copying. gocv v0.32's
// NewMatFromBytes (Mat_NewFromBytes: new cv::Mat(rows, cols, type, data))
// takes no step, so a padded row (stride > 3*w, GStreamer rounds BGR rows
// up to 4 bytes) is viewed as a CV_8UC1 Mat of stride columns, cut to 3*w
// columns with Region (a ROI keeps the parent's step) and reshaped to 3
// channels (reshape keeps rows and step): still zero-copy.
func (m *frameMat) wrap() error {
	if m.stride == m.w*3 {
		img, err := gocv.NewMatFromBytes(m.h, m.w, gocv.MatTypeCV8UC3, m.data[:m.stride*m.h])
		if err != nil {
			return err
		}
		m.mats = append(m.mats, img)
		m.img = img
		return nil
	}
	full, err := gocv.NewMatFromBytes(m.h, m.stride, gocv.MatTypeCV8UC1, m.data[:m.stride*m.h])
	if err != nil {
		return err
	}
	roi := full.Region(imageRect(m.w*3, m.h))
	img := roi.Reshape(3, 0)
	m.mats = append(m.mats, full, roi, img)
	m.img = img
	return nil
}

func (m *frameMat) close() {
	for i := len(m.mats) - 1; i >= 0; i-- {
		_ = m.mats[i].Close()
	}
	m.mats = m.mats[:0]
}

// intact reports whether the filter left img as our view of the buffer: same
// header, same size and type (cv::Mat::create on a same-size same-type Mat
// keeps its data, so writing "into" img is fine; converting it is not).
func (m *frameMat) intact(img *gocv.Mat) bool {
	return img.Ptr() == m.img.Ptr() && img.Rows() == m.h && img.Cols() == m.w && img.Type() == gocv.MatTypeCV8UC3
}

// runChain applies c to the mapped frame. A filter that errs, panics or breaks
// the Mat is taken out of the stage's chain and reported; the frame goes on
// with the filters that succeeded (what the failing one wrote before failing
// stays unless rollback is on).
func (s *Stage) runChain(c *filterChain, m *frameMat, seq uint64) {
	for i, f := range c.filters {
		if len(m.failedThisRun) > 0 && slices.ContainsFunc(m.failedThisRun, func(g Filter) bool { return sameFilter(f, g) }) {
			continue
		}
		if m.scratch != nil {
			*m.scratch = append((*m.scratch)[:0], m.data[:m.stride*m.h]...)
		}
		img := m.img
		t0 := time.Now()
		err, pv := applyFilter(f, &img)
		s.costs.Observe(c.keys[i], time.Since(t0))
		if err == nil && pv == nil && m.intact(&img) {
			continue
		}
		fail := &FilterFailure{Filter: c.keys[i], Seq: seq, Panic: pv, Err: err}
		switch {
		case pv != nil:
			fail.Err = ErrFilterPanic
		case err == nil:
			fail.Err = ErrFilterBrokeFrame
		}
		if !m.intact(&img) {
			// The filter replaced or reshaped the header: our buffer view is
			// gone from img; close our headers (if ours was reallocated,
			// that frees cv's copy; a replacement Mat is the filter's) and
			// wrap the mapped buffer again for the rest of the chain.
			m.close()
			if werr := m.wrap(); werr != nil {
				s.removeFailed(c, f, fail)
				return
			}
		}
		if m.scratch != nil {
			copy(m.data, *m.scratch)
		}
		m.failedThisRun = append(m.failedThisRun, f)
		s.removeFailed(c, f, fail)
	}
}

func applyFilter(f Filter, img *gocv.Mat) (err error, panicked any) {
	defer func() {
		if p := recover(); p != nil {
			panicked = p
			if panicked == nil {
				panicked = "nil panic"
			}
		}
	}()
	return f.Apply(img), nil
}

// removeFailed takes f out of the installed chain (CAS, retried against
// concurrent SetChain calls), marks it failed in every chain it was taken
// from so SetChain will not hand it back, then passes it to OnFilterError.
// Runs on the streaming thread, inside the probe's epoch.
func (s *Stage) removeFailed(running *filterChain, f Filter, fail *FilterFailure) {
	running.markFailed(f)
	for {
		cur := s.chain.Load()
		if !cur.contains(f) {
			break
		}
		cur.markFailed(f)
		if s.chain.CompareAndSwap(cur, cur.without(f)) {
			break
		}
	}
	s.failures.Add(1)
	s.logf("filters: stage: removed filter from chain: %v", fail)
	if s.opts.onFilterError != nil {
		func() {
			defer func() {
				if p := recover(); p != nil {
					s.logf("filters: stage: OnFilterError panicked: %v", p)
				}
			}()
			s.opts.onFilterError(f, fail)
		}()
		return
	}
	// Nobody to hand it to: the stage closes it (it is out of every chain,
	// and this run does not call it again).
	func() {
		defer func() { _ = recover() }()
		if err := f.Close(); err != nil {
			s.logf("filters: stage: closing failed filter %s: %v", fail.Filter, err)
		}
	}()
}

// SetChain installs fs as the chain for the next buffer (the one being
// filtered now finishes with the chain it started with) and returns the
// previous chain's filters once the stage has stopped using them.
//
// Ownership: filters belong to the caller. The stage never closes a filter
// it was given, except a failed one when no OnFilterError is set. The
// returned filters are guaranteed not to be running and never to be run
// again by the stage (unless passed to SetChain again): the caller may Close
// those it does not reuse. A filter the stage took out of the chain because
// it failed is handed to OnFilterError instead and is never in the returned
// slice.
//
// SetChain never blocks the streaming thread and changes no pipeline state:
// it swaps an atomic pointer, then waits (sleeping, not spinning hard) until
// the probe is outside the buffer it may be filtering with the old chain —
// at most one frame's filter time. It is safe from any goroutine, also
// concurrently with itself and after Close (then it returns at once; use
// SetChain(nil) after Close to get the final chain's filters back).
func (s *Stage) SetChain(fs []Filter) []Filter {
	next := newFilterChain(fs)
	old := s.chain.Swap(next)
	s.swaps.Add(1)
	s.waitProbeIdle()
	return old.owned()
}

// Chain returns the filters of the installed chain (a copy).
func (s *Stage) Chain() []Filter { return slices.Clone(s.chain.Load().filters) }

// waitProbeIdle returns once any probe run that was under way when it was
// called has ended. The probe makes probeEpoch odd on entry and even on
// exit; a run that loaded the old chain began before the Swap, so it is the
// one (if any) seen here.
func (s *Stage) waitProbeIdle() {
	e := s.probeEpoch.Load()
	if e&1 == 0 {
		return
	}
	for d := time.Microsecond; s.probeEpoch.Load() == e; {
		time.Sleep(d)
		if d < 200*time.Microsecond {
			d *= 2
		}
	}
}
