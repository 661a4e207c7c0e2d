// Package netstats keeps one output's network time series: what was sent,
// what the receiver reports lost, NACKs, retransmissions, keyframe
// requests, RTT, jitter and bitrates, with a sliding 5 s loss rate and an
// alarm above 8 %. Samples come from the output; this package only keeps,
// derives and exports them.
package netstats

import (
	"encoding/json"
	"io"
	"strconv"
	"time"

	"github.com/onair-dev/onair/telemetry"
)

// LossWindow is the span the sliding loss rate covers.
const LossWindow = 5 * time.Second

// AlarmLoss is the loss rate above which the alarm is raised (8 %).
const AlarmLoss = 0.08

// Sample is one reading. Counters are cumulative since the output started.
type Sample struct {
	At            time.Duration `json:"at_ns"` // session clock
	PacketsSent   uint64        `json:"packets_sent"`
	PacketsLost   int64         `json:"packets_lost"` // from receiver reports; may go down after retransmission
	NACKs         uint64        `json:"nacks"`
	Retransmits   uint64        `json:"retransmits"`
	PLI           uint64        `json:"pli"`
	FIR           uint64        `json:"fir"`
	RTT           time.Duration `json:"rtt_ns"`
	Jitter        time.Duration `json:"jitter_ns"`
	TargetBitrate int64         `json:"target_bitrate"`
	ActualBitrate int64         `json:"actual_bitrate"`
	FramesDropped uint64        `json:"frames_dropped"`
	BytesSent     uint64        `json:"bytes_sent"`

	// Derived by Series.Add.
	LossRate float64 `json:"loss_rate_5s"` // lost / sent over the last LossWindow
	Alarm    bool    `json:"alarm"`
}

// Series is a bounded, goroutine-safe run of samples.
type Series struct{ ring *telemetry.Ring[Sample] }

// NewSeries keeps at most limit samples (default 3600: an hour at 1 Hz).
func NewSeries(limit int) *Series { return &Series{ring: telemetry.NewRing[Sample](limit)} }

// Add appends s, deriving its 5 s loss rate and bitrate from the samples
// before it, and returns the stored sample.
func (r *Series) Add(s Sample) Sample { return r.ring.Append(s, derive) }

func derive(history []Sample, s Sample) Sample {
	if n := len(history); n > 0 {
		prev := history[n-1]
		if dt := s.At - prev.At; dt > 0 && s.ActualBitrate == 0 && s.BytesSent >= prev.BytesSent {
			s.ActualBitrate = int64(float64(s.BytesSent-prev.BytesSent) * 8 / dt.Seconds())
		}
		// The oldest sample still inside the window is the base.
		base := prev
		for i := n - 1; i >= 0 && s.At-history[i].At <= LossWindow; i-- {
			base = history[i]
		}
		if sent := float64(s.PacketsSent) - float64(base.PacketsSent); sent > 0 {
			lost := float64(s.PacketsLost - base.PacketsLost)
			s.LossRate = min(max(lost/sent, 0), 1)
		}
	}
	s.Alarm = s.LossRate > AlarmLoss
	return s
}

// Samples returns a copy of the series, oldest first.
func (r *Series) Samples() []Sample { return r.ring.All() }

// Last returns the newest sample and whether there is one.
func (r *Series) Last() (Sample, bool) { return r.ring.Last() }

var csvHeader = []string{"at_s", "packets_sent", "packets_lost", "nacks", "retransmits", "pli", "fir",
	"rtt_ms", "jitter_ms", "target_bitrate", "actual_bitrate", "frames_dropped", "bytes_sent", "loss_rate_5s", "alarm"}

// WriteCSV writes the series with a header row, times in seconds and ms.
func (r *Series) WriteCSV(w io.Writer) error {
	u := func(v uint64) string { return strconv.FormatUint(v, 10) }
	i := func(v int64) string { return strconv.FormatInt(v, 10) }
	ms := func(d time.Duration) string { return telemetry.Float(float64(d) / float64(time.Millisecond)) }
	return telemetry.WriteCSV(w, csvHeader, r.Samples(), func(s Sample) []string {
		return []string{telemetry.Float(s.At.Seconds()), u(s.PacketsSent), i(s.PacketsLost), u(s.NACKs), u(s.Retransmits),
			u(s.PLI), u(s.FIR), ms(s.RTT), ms(s.Jitter), i(s.TargetBitrate), i(s.ActualBitrate), u(s.FramesDropped),
			u(s.BytesSent), telemetry.Float(s.LossRate), strconv.FormatBool(s.Alarm)}
	})
}

// WriteJSON writes {"output": name, "samples": [...]}.
func (r *Series) WriteJSON(w io.Writer, name string) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(struct {
		Output  string   `json:"output"`
		Samples []Sample `json:"samples"`
	}{name, r.Samples()})
}
