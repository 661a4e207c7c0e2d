package ui

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/onair-dev/onair/telemetry"
)

// OutputView is one output row's status light, rate and error.
type OutputView struct {
	ID      string
	Name    string // redacted display name
	State   string // connecting, live, failed, closed; "" when not live
	Bitrate float64
	Dropped uint64
	Err     error
}

// View is what the window shows at one instant.
type View struct {
	Live                       bool
	Since                      time.Duration
	Captured, Encoded, Dropped uint64
	Encoder                    string
	Outputs                    map[string]OutputView
	Err                        error
	ErrField                   string
	Notice                     string
	ViewerURL                  string
}

// rateMeter turns a byte counter into bits per second.
type rateMeter struct {
	at    time.Time
	bytes uint64
	bps   float64
}

func (r *rateMeter) add(now time.Time, bytes uint64) float64 {
	if !r.at.IsZero() {
		if dt := now.Sub(r.at).Seconds(); dt >= 0.5 {
			r.bps = float64(bytes-r.bytes) * 8 / dt
			r.at, r.bytes = now, bytes
		}
	} else {
		r.at, r.bytes = now, bytes
	}
	return r.bps
}

// seriesSet keeps the bitrate series the session does not keep itself
// (target of the encoder, actual per output), bounded.
type seriesSet struct {
	limit int
	lines map[string]*telemetry.Ring[Sample]
	order []string
}

// Sample is one point of a series the UI derives.
type Sample struct {
	At time.Duration
	V  float64
}

func newSeriesSet(limit int) *seriesSet {
	return &seriesSet{limit: limit, lines: map[string]*telemetry.Ring[Sample]{}}
}

func (s *seriesSet) add(name string, at time.Duration, v float64) {
	r := s.lines[name]
	if r == nil {
		r = telemetry.NewRing[Sample](s.limit)
		s.lines[name] = r
		s.order = append(s.order, name)
	}
	r.Append(Sample{at, v}, nil)
}

// Snapshot reads the session's counters; the window calls it a few times
// a second. It also extends the bitrate series.
func (c *Controller) Snapshot() View {
	c.mu.Lock()
	defer c.mu.Unlock()
	v := View{Live: c.live != nil, Err: c.lastErr, ErrField: c.errField, Notice: c.notice, Outputs: map[string]OutputView{},
		ViewerURL: c.viewerURLLocked()}
	for id, err := range c.outErr {
		v.Outputs[id] = OutputView{ID: id, State: c.outState[id], Err: err}
	}
	if c.live == nil {
		return v
	}
	now := time.Now()
	v.Since = now.Sub(c.since)
	// The bitrate series grows about once a second, whoever asks how often.
	tick := now.Sub(c.sampled) >= 900*time.Millisecond
	if tick {
		c.sampled = now
	}
	st := c.live.Session.Stats()
	v.Captured, v.Encoded, v.Dropped = st.Captured, st.Encoded, st.Dropped
	if len(st.Encoders) > 0 {
		v.Encoder = st.Encoders[0].Video
		if tick {
			c.bitrates.add("target", v.Since, float64(st.Encoders[0].Bitrate))
		}
	}
	for i, o := range st.Outputs {
		if i >= len(c.liveIDs) {
			break
		}
		id := c.liveIDs[i]
		rm := c.rates[id]
		if rm == nil {
			rm = &rateMeter{}
			c.rates[id] = rm
		}
		ov := OutputView{ID: id, Name: o.Name, State: o.State.String(), Bitrate: rm.add(now, o.Bytes), Dropped: o.Dropped, Err: o.Err}
		if ov.Err == nil {
			ov.Err = c.outErr[id]
		}
		if errors.Is(ov.Err, context.Canceled) {
			ov.Err = nil
		}
		v.Outputs[id] = ov
		if tick {
			c.bitrates.add(c.shortNameLocked(o.Name), v.Since, ov.Bitrate)
		}
	}
	return v
}

// Series is every graph's data at one instant, times on the session clock.
type Series struct {
	Sync    []Sample            // A/V offset, ms (+ audio early)
	Loss    map[string][]Sample // per WebRTC output, % over 5 s
	RTT     map[string][]Sample // ms
	NACK    map[string][]Sample // cumulative count
	PLI     map[string][]Sample // cumulative PLI+FIR
	Bitrate map[string][]Sample // "target" and each output's actual, bit/s
}

// Series copies the graphs' data out of the session (empty when not live).
func (c *Controller) Series() Series {
	c.mu.Lock()
	pr := c.live
	set := c.bitrates
	var bit map[string][]Sample
	if set != nil {
		bit = map[string][]Sample{}
		for _, name := range set.order {
			bit[name] = set.lines[name].All()
		}
	}
	c.mu.Unlock()
	s := Series{Loss: map[string][]Sample{}, RTT: map[string][]Sample{}, NACK: map[string][]Sample{}, PLI: map[string][]Sample{}, Bitrate: bit}
	if pr == nil {
		return s
	}
	for _, a := range pr.Session.AVSync().Samples() {
		s.Sync = append(s.Sync, Sample{a.At, float64(a.Offset) / float64(time.Millisecond)})
	}
	for full, ns := range pr.Session.NetStats() {
		name := c.shortName(full)
		for _, n := range ns.Samples() {
			s.Loss[name] = append(s.Loss[name], Sample{n.At, n.LossRate * 100})
			s.RTT[name] = append(s.RTT[name], Sample{n.At, float64(n.RTT) / float64(time.Millisecond)})
			s.NACK[name] = append(s.NACK[name], Sample{n.At, float64(n.NACKs)})
			s.PLI[name] = append(s.PLI[name], Sample{n.At, float64(n.PLI + n.FIR)})
		}
	}
	return s
}

// shortName is an output's name on a graph: its kind, numbered when there
// are several of a kind ("WHIP", "RTMP 2"), never its URL.
func (c *Controller) shortName(full string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.shortNameLocked(full)
}

func (c *Controller) shortNameLocked(full string) string {
	if c.live == nil {
		return full
	}
	kinds := map[string]string{}
	for _, o := range c.set.Outputs {
		kinds[o.ID] = o.Kind
	}
	count := map[string]int{}
	label := full
	for i, name := range c.live.Outputs {
		if i >= len(c.liveIDs) {
			break
		}
		k := kinds[c.liveIDs[i]]
		count[k]++
		if name == full {
			label = shortKind(k)
			if count[k] > 1 {
				label += fmt.Sprintf(" %d", count[k])
			}
		}
	}
	return label
}

func shortKind(k string) string {
	switch k {
	case OutputLocal:
		return T("local")
	case OutputWHIP:
		return "WHIP"
	case OutputRTMP:
		return "RTMP"
	case OutputRecord:
		return T("recording")
	}
	return k
}
