// Package testpattern is a synthetic A/V source for measuring a pipeline:
// moving colour content with a burned-in frame number and wall time, a
// machine-readable barcode on every frame, and a white flash every 2 s with
// a 1 kHz beep aligned to it (optionally shifted by a known av offset).
package testpattern

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/onair-dev/onair/capture"
	"github.com/onair-dev/onair/media"
)

var _ capture.Source = (*Source)(nil)

// maxWaitStep bounds each sleep in real-time mode: the Clock need not track
// wall time (a ManualClock, a device clock), so it is re-read at least this often.
const maxWaitStep = 10 * time.Millisecond

// Source generates the test pattern.
type Source struct {
	cfg     config
	pic     *picture
	started atomic.Bool
	done    chan struct{}
	once    sync.Once
}

// New builds a Source; with no options it is 1280x720 at 30 fps, real time.
func New(opts ...Option) (*Source, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Source{cfg: cfg, pic: newPicture(cfg.width, cfg.height, cfg.fps), done: make(chan struct{})}, nil
}

// Info describes the streams.
func (s *Source) Info() capture.Info {
	return capture.Info{
		Name: "testpattern",
		Video: &capture.VideoInfo{Format: media.PixelI420, Width: s.cfg.width, Height: s.cfg.height,
			FrameRate: media.Rational{Num: s.cfg.fps, Den: 1}},
		Audio: &capture.AudioInfo{Format: media.SampleS16, SampleRate: SampleRate, Channels: Channels},
		Live:  s.cfg.realTime,
	}
}

// Frame renders video frame n (n >= 0) as Run would, with PTS and Seq set and the
// given wall time burned in. Useful for feeding encoders in tests.
func (s *Source) Frame(n int64, wall time.Time) *media.VideoFrame {
	f := s.pic.render(n, wall)
	f.PTS, f.Seq = s.videoPTS(n), uint64(n)
	return f
}

// Audio renders samples [start, start+samples) as Run would.
func (s *Source) Audio(start int64, samples int) *media.AudioFrame {
	return audio(start, samples, s.cfg.offset)
}

func (s *Source) videoPTS(n int64) time.Duration {
	return time.Duration(n) * time.Second / time.Duration(s.cfg.fps)
}

// Run delivers video and audio interleaved in PTS order until ctx is
// cancelled, Close is called, or the limit is reached; all return nil.
// A nil channel skips that stream.
func (s *Source) Run(ctx context.Context, video chan<- *media.VideoFrame, audioCh chan<- *media.AudioFrame) error {
	if !s.started.CompareAndSwap(false, true) {
		return errRunTwice
	}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()

	limit := int64(s.cfg.limit)
	endSample := int64(-1) // audio end when limited
	if limit > 0 {
		endSample = durationToSamples(s.videoPTS(limit))
	}
	var n, a int64 // next video frame, next audio sample
	for {
		wantV := video != nil && (limit == 0 || n < limit)
		wantA := audioCh != nil && (endSample < 0 || a < endSample)
		if !wantV && !wantA {
			if limit > 0 {
				return nil
			}
			// Unlimited with no streams wanted: run until stopped.
			select {
			case <-ctx.Done():
			case <-s.done:
			}
			return nil
		}
		vp, ap := s.videoPTS(n), media.SamplesToDuration(a, SampleRate)
		if wantV && (!wantA || vp <= ap) {
			if !s.waitUntil(ctx, timer, vp) {
				return nil
			}
			// Render after waiting so the wall stamp is the send time.
			f := s.Frame(n, s.cfg.wallTime())
			select {
			case video <- f:
				n++
			case <-ctx.Done():
				return nil
			case <-s.done:
				return nil
			}
			continue
		}
		if !s.waitUntil(ctx, timer, ap) {
			return nil
		}
		cnt := int64(ChunkSamples)
		if endSample >= 0 {
			cnt = min(cnt, endSample-a)
		}
		select {
		case audioCh <- s.Audio(a, int(cnt)):
			a += cnt
		case <-ctx.Done():
			return nil
		case <-s.done:
			return nil
		}
	}
}

// waitUntil blocks until the clock reaches p (at once if already past, so a
// late source catches up) and reports false if stopped first.
func (s *Source) waitUntil(ctx context.Context, timer *time.Timer, p time.Duration) bool {
	if !s.cfg.realTime {
		select {
		case <-ctx.Done():
			return false
		case <-s.done:
			return false
		default:
			return true
		}
	}
	for {
		now := s.cfg.clock.Now()
		if now >= p {
			return true
		}
		step := p - now
		if _, wall := s.cfg.clock.(*media.WallClock); !wall {
			// Other clocks (manual, device) may jump: look again soon.
			step = min(step, maxWaitStep)
		}
		timer.Reset(step)
		select {
		case <-ctx.Done():
			return false
		case <-s.done:
			return false
		case <-timer.C:
		}
	}
}

// Close stops a running Run; it is safe to call more than once.
func (s *Source) Close() error {
	s.once.Do(func() { close(s.done) })
	return nil
}
