// Package avsync is the live A/V sync meter: fed the PTS of video frames and
// audio chunks as they arrive at one point of the pipeline, it reports the
// offset between what arrives together, over a sliding window.
//
// Definition. For each stream s, after an arrival of a unit with PTS p at
// session-clock time t, the stream's lead is L_s = p − t: the PTS the stream
// delivers "now", with arrival time removed so that chunk and frame sizes do
// not matter (the latest PTS of each stream, extrapolated to the same
// instant). At every arrival instant of either stream, once both have
// arrived within the last Window, the instantaneous offset is
//
//	o = L_audio − L_video = (latest audio PTS − its arrival) − (latest video PTS − its arrival)
//
// and the reported Offset is the mean of o over the instants in (now −
// Window, now], now being the latest arrival time. Positive means audio
// arrives early, ahead of the video it belongs to (audio leads), the EBU R37
// / ITU-R BT.1359 sign.
package avsync

import (
	"encoding/json"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/onair-dev/onair/telemetry"
)

// DefaultWindow is the span the reported offset is averaged over.
const DefaultWindow = 5 * time.Second

// DefaultInterval is how often, in session time, a Sample is recorded.
const DefaultInterval = time.Second

// Tolerances, positive = audio early.
const (
	// EBU R37: audio may lead by at most 40 ms and lag by at most 60 ms.
	R37Early = 40 * time.Millisecond
	R37Late  = -60 * time.Millisecond
	// ITU-R BT.1359: detectability thresholds, audio 45 ms early to 125 ms late.
	BT1359Early = 45 * time.Millisecond
	BT1359Late  = -125 * time.Millisecond
)

// InR37 reports whether offset is inside the EBU R37 band (edges included).
func InR37(offset time.Duration) bool { return offset >= R37Late && offset <= R37Early }

// InBT1359 reports whether offset is inside the BT.1359 undetectable band.
func InBT1359(offset time.Duration) bool { return offset >= BT1359Late && offset <= BT1359Early }

// Sample is one reading of the meter.
type Sample struct {
	At       time.Duration `json:"at_ns"`     // session clock
	Offset   time.Duration `json:"offset_ns"` // windowed mean, positive = audio early
	N        int           `json:"n"`         // instants averaged
	InR37    bool          `json:"in_r37"`
	InBT1359 bool          `json:"in_bt1359"`
}

type instant struct {
	at time.Duration
	o  time.Duration
}

// Meter is a goroutine-safe sync meter.
type Meter struct {
	mu       sync.Mutex
	window   time.Duration
	interval time.Duration
	series   *Series

	haveV, haveA  bool
	leadV, leadA  time.Duration
	lastV, lastA  time.Duration // arrival times
	now           time.Duration
	inst          []instant // in the window, oldest first (ring via head)
	head          int
	sum           int64
	nextSample    time.Duration
	sampleStarted bool
}

// Option configures a Meter.
type Option func(*Meter)

// WithWindow sets the averaging window (default 5 s).
func WithWindow(d time.Duration) Option {
	return func(m *Meter) {
		if d > 0 {
			m.window = d
		}
	}
}

// WithInterval sets how often a Sample is recorded (default 1 s); 0 or less
// keeps the default.
func WithInterval(d time.Duration) Option {
	return func(m *Meter) {
		if d > 0 {
			m.interval = d
		}
	}
}

// WithSeriesLimit bounds the recorded series (default 3600 samples).
func WithSeriesLimit(n int) Option { return func(m *Meter) { m.series = NewSeries(n) } }

// New returns a Meter.
func New(opts ...Option) *Meter {
	m := &Meter{window: DefaultWindow, interval: DefaultInterval}
	for _, o := range opts {
		o(m)
	}
	if m.series == nil {
		m.series = NewSeries(0)
	}
	return m
}

// ObserveVideo records a video frame with PTS pts arriving at session time at.
func (m *Meter) ObserveVideo(pts, at time.Duration) { m.observe(false, pts, at) }

// ObserveAudio records an audio chunk with PTS pts (its first sample)
// arriving at session time at.
func (m *Meter) ObserveAudio(pts, at time.Duration) { m.observe(true, pts, at) }

func (m *Meter) observe(audio bool, pts, at time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if audio {
		m.haveA, m.leadA, m.lastA = true, pts-at, at
	} else {
		m.haveV, m.leadV, m.lastV = true, pts-at, at
	}
	m.now = max(m.now, at)
	m.expire()
	if m.haveA && m.haveV && m.now-m.lastA < m.window && m.now-m.lastV < m.window {
		o := m.leadA - m.leadV
		m.inst = append(m.inst, instant{m.now, o})
		m.sum += int64(o)
	}
	if !m.sampleStarted {
		m.nextSample, m.sampleStarted = m.now+m.interval, true
	}
	for m.now >= m.nextSample {
		if s, ok := m.sampleLocked(); ok {
			m.series.Add(s)
		}
		m.nextSample += m.interval
		if m.nextSample <= m.now-m.interval { // a long silence: do not backfill
			m.nextSample = m.now + m.interval
		}
	}
}

// expire drops instants older than the window.
func (m *Meter) expire() {
	for m.head < len(m.inst) && m.inst[m.head].at <= m.now-m.window {
		m.sum -= int64(m.inst[m.head].o)
		m.head++
	}
	if m.head > 1024 && m.head > len(m.inst)/2 {
		m.inst = append(m.inst[:0], m.inst[m.head:]...)
		m.head = 0
	}
}

func (m *Meter) sampleLocked() (Sample, bool) {
	n := len(m.inst) - m.head
	if n == 0 {
		return Sample{At: m.now}, false
	}
	o := time.Duration(m.sum / int64(n))
	return Sample{At: m.now, Offset: o, N: n, InR37: InR37(o), InBT1359: InBT1359(o)}, true
}

// Current returns the windowed offset as of the latest arrival, and false
// if the window holds no instant (a stream missing or stalled).
func (m *Meter) Current() (Sample, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sampleLocked()
}

// Series returns the recorded samples.
func (m *Meter) Series() *Series { return m.series }

// Series is a bounded, goroutine-safe run of samples.
type Series struct{ ring *telemetry.Ring[Sample] }

// NewSeries keeps at most limit samples (default 3600: an hour at 1 Hz).
func NewSeries(limit int) *Series { return &Series{ring: telemetry.NewRing[Sample](limit)} }

// Add appends s, filling its band flags from its Offset, and returns it.
func (r *Series) Add(s Sample) Sample {
	s.InR37, s.InBT1359 = InR37(s.Offset), InBT1359(s.Offset)
	return r.ring.Append(s, nil)
}

// Samples returns a copy of the series, oldest first.
func (r *Series) Samples() []Sample { return r.ring.All() }

// Last returns the newest sample and whether there is one.
func (r *Series) Last() (Sample, bool) { return r.ring.Last() }

var csvHeader = []string{"at_s", "offset_ms", "n", "in_r37", "in_bt1359"}

// WriteCSV writes the series with a header row, time in s and offset in ms.
func (r *Series) WriteCSV(w io.Writer) error {
	return telemetry.WriteCSV(w, csvHeader, r.Samples(), func(s Sample) []string {
		return []string{telemetry.Float(s.At.Seconds()), telemetry.Float(float64(s.Offset) / 1e6), strconv.Itoa(s.N),
			strconv.FormatBool(s.InR37), strconv.FormatBool(s.InBT1359)}
	})
}

// WriteJSON writes {"point": name, "samples": [...]}.
func (r *Series) WriteJSON(w io.Writer, name string) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(struct {
		Point   string   `json:"point"`
		Samples []Sample `json:"samples"`
	}{name, r.Samples()})
}
