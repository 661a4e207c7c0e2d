package devices

import (
	"time"

	"github.com/onair-dev/onair/media"
)

// DriftStats says how a microphone's sample clock runs against the session
// clock.
//
// The method, deliberately simple: the origin is mapped once (session time of
// the first chunk minus its duration); after that every chunk compares the
// session time elapsed since the origin with the time its samples account for
// (instantaneous drift, which includes delivery jitter), smoothed with an
// exponential average over about 64 chunks. After a warm-up of DriftWarmup
// the smoothed value is frozen as Baseline (the constant buffering offset).
// Whenever Drift moves more than DriftThreshold away from Baseline one sample
// is inserted (device slow: the last one duplicated) or dropped (device fast)
// in the chunk at hand, at most one per chunk: that corrects up to ~1000 ppm
// with 20 ms chunks, far beyond real crystals (~100 ppm), and is inaudible.
type DriftStats struct {
	Drift    time.Duration // smoothed session-time minus sample-time
	Baseline time.Duration // Drift when warm-up ended
	Settled  bool          // warm-up over, corrections active
	Inserted int64         // samples duplicated so far
	Dropped  int64         // samples dropped so far
}

const (
	// DriftWarmup is how much audio is measured before correcting.
	DriftWarmup = 10 * time.Second
	// DriftThreshold is how far Drift may move from Baseline uncorrected.
	DriftThreshold = time.Millisecond
	driftSmoothing = 64
)

type driftCorrector struct {
	started bool
	origin  time.Duration
	next    int64 // index of the next sample to hand out
	ewma    float64
	stats   DriftStats
}

// observe takes a chunk of n samples arriving at session time now and returns
// the correction: +1 insert a sample, -1 drop one, 0 none.
func (d *driftCorrector) observe(now time.Duration, n int) int {
	if !d.started {
		d.started = true
		d.origin = now - media.SamplesToDuration(int64(n), SampleRate)
		if d.origin < 0 {
			d.origin = 0
		}
		return 0
	}
	end := d.next + int64(n)
	inst := float64(now - d.origin - media.SamplesToDuration(end, SampleRate))
	d.ewma += (inst - d.ewma) / driftSmoothing
	d.stats.Drift = time.Duration(d.ewma)
	if !d.stats.Settled {
		if media.SamplesToDuration(end, SampleRate) >= DriftWarmup {
			d.stats.Settled = true
			d.stats.Baseline = d.stats.Drift
		}
		return 0
	}
	switch dev := d.stats.Drift - d.stats.Baseline; {
	case dev > DriftThreshold:
		d.stats.Inserted++
		return 1
	case dev < -DriftThreshold && n > 1:
		d.stats.Dropped++
		return -1
	}
	return 0
}

// applyAdjust duplicates (+1) or drops (-1) the last stereo S16 sample.
func applyAdjust(data []byte, adj int) []byte {
	const frame = Channels * 2
	switch {
	case adj > 0 && len(data) >= frame:
		return append(data, data[len(data)-frame:]...)
	case adj < 0 && len(data) >= 2*frame:
		return data[:len(data)-frame]
	}
	return data
}
