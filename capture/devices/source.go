package devices

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/pion/mediadevices/pkg/driver"
	"github.com/pion/mediadevices/pkg/io/audio"
	"github.com/pion/mediadevices/pkg/io/video"
	"github.com/pion/mediadevices/pkg/prop"

	"github.com/onair-dev/onair/capture"
	"github.com/onair-dev/onair/media"
)

// stopWait bounds how long Close waits for a driver Read in progress before
// closing the driver under it. Reads return within one frame/chunk period.
const stopWait = 3 * time.Second

// source runs one driver's reader in a goroutine. The reader hands items to
// Run, and only Run writes to the caller's channels, so nothing is sent after
// Run returns.
type source struct {
	info capture.Info
	drv  driver.Driver
	kind Kind
	// read produces the next frame (exactly one of the pointers non-nil).
	read func() (*media.VideoFrame, *media.AudioFrame, error)

	mu       sync.Mutex
	started  bool
	closed   bool
	stop     chan struct{}
	stopOnce sync.Once
	loopDone chan struct{}
	loopErr  error
	closeErr error
}

func newSource(info capture.Info, d driver.Driver, kind Kind) *source {
	return &source{info: info, drv: d, kind: kind, stop: make(chan struct{})}
}

func (s *source) Info() capture.Info { return s.info }

func (s *source) halt() { s.stopOnce.Do(func() { close(s.stop) }) }

type item struct {
	v *media.VideoFrame
	a *media.AudioFrame
}

func (s *source) Run(ctx context.Context, vout chan<- *media.VideoFrame, aout chan<- *media.AudioFrame) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	if s.started {
		s.mu.Unlock()
		return errors.New("devices: Run called twice")
	}
	s.started = true
	items := make(chan item)
	s.loopDone = make(chan struct{})
	s.mu.Unlock()
	go s.loop(items)
	defer s.halt() // Run is called once: when it ends the reader stops.

	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.stop:
			return nil
		case it, ok := <-items:
			if !ok {
				return s.loopErr // read after loopDone via the closed channel's happens-before
			}
			if it.v != nil {
				select {
				case vout <- it.v:
				case <-ctx.Done():
					return nil
				case <-s.stop:
					return nil
				}
			}
			if it.a != nil {
				select {
				case aout <- it.a:
				case <-ctx.Done():
					return nil
				case <-s.stop:
					return nil
				}
			}
		}
	}
}

func (s *source) loop(items chan<- item) {
	defer close(s.loopDone)
	defer close(items)
	for {
		select {
		case <-s.stop:
			return
		default:
		}
		v, a, err := s.read()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				s.loopErr = fmt.Errorf("devices: %s %q: %w", s.kind, s.info.Name, err)
			}
			return
		}
		select {
		case items <- item{v, a}:
		case <-s.stop:
			return
		}
	}
}

// Close stops the reader, waits for it and closes the driver. Idempotent.
func (s *source) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return s.closeErr
	}
	s.closed = true
	done := s.loopDone
	s.mu.Unlock()
	s.halt()
	var err error
	if done != nil {
		select {
		case <-done:
		case <-time.After(stopWait):
			err = fmt.Errorf("devices: %s %q: reader did not stop within %v", s.kind, s.info.Name, stopWait)
		}
	}
	drvMu.Lock()
	if cerr := s.drv.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("devices: close %s %q: %w", s.kind, s.info.Name, cerr)
	}
	if s.kind == KindScreen {
		screensOpen--
	}
	drvMu.Unlock()
	if done != nil && err != nil {
		// Closing the driver usually unblocks a stuck read; give it one more chance.
		select {
		case <-done:
		case <-time.After(stopWait):
		}
	}
	s.mu.Lock()
	s.closeErr = err
	s.mu.Unlock()
	return err
}

// OpenCamera opens a camera ("" id: the default one) at w x h (0 x 0: its
// first mode) and fps (0: the driver's). The size must be one the camera
// offers (no scaling here): otherwise ErrUnsupportedFormat lists them.
func OpenCamera(id string, w, h, fps int, opts ...Option) (capture.Source, error) {
	cfg := newConfig(opts)
	drvMu.Lock()
	defer drvMu.Unlock()
	d, err := find(KindCamera, id, cfg)
	if err != nil {
		return nil, err
	}
	return openVideo(d, KindCamera, w, h, fps, cfg)
}

// OpenScreen captures a screen ("" id: the default one; ids or labels such as
// "X11Screen0") at its own size, fps frames per second (0: 10).
func OpenScreen(id string, fps int, opts ...Option) (capture.Source, error) {
	cfg := newConfig(opts)
	if fps <= 0 {
		fps = 10
	}
	if src, ok, err := openPlatformScreen(id, fps, cfg); ok {
		return src, err
	}
	drvMu.Lock()
	defer drvMu.Unlock()
	rescanScreens()
	d, err := find(KindScreen, id, cfg)
	if err != nil {
		return nil, err
	}
	if fps <= 0 {
		fps = 10
	}
	return openVideo(d, KindScreen, 0, 0, fps, cfg)
}

// openVideo: caller holds drvMu.
func openVideo(d driver.Driver, kind Kind, w, h, fps int, cfg config) (capture.Source, error) {
	if err := open(d, kind); err != nil {
		return nil, err
	}
	props := d.Properties()
	p, ok := pickVideo(props, w, h, fps)
	if !ok {
		_ = d.Close()
		return nil, &FormatError{Device: kind.String() + " " + d.Info().Label,
			Asked: fmt.Sprintf("%dx%d@%d", w, h, fps), Offered: formatsOf(props)}
	}
	rec, ok := d.(driver.VideoRecorder)
	if !ok {
		_ = d.Close()
		return nil, fmt.Errorf("devices: %s %q records no video: %w", kind, d.Info().Label, ErrUnsupportedFormat)
	}
	r, err := rec.VideoRecord(p) // closes the driver itself on failure
	if err != nil {
		return nil, fmt.Errorf("devices: start %s %q: %w", kind, d.Info().Label, err)
	}
	if kind == KindScreen {
		screensOpen++
	}
	info := capture.Info{
		Name: d.Info().Label, Live: true,
		Video: &capture.VideoInfo{Format: media.PixelI420, Width: p.Width, Height: p.Height,
			FrameRate: media.Rational{Num: int(p.FrameRate + 0.5), Den: 1}},
	}
	s := newSource(info, d, kind)
	s.read = videoReader(r, cfg.clock)
	return s, nil
}

// pickVideo chooses the driver mode of size w x h (any size if 0) whose frame
// rate is closest to fps, and sets the frame rate the driver is asked for.
func pickVideo(props []prop.Media, w, h, fps int) (prop.Media, bool) {
	best, found := prop.Media{}, false
	for _, p := range props {
		if (w > 0 && p.Width != w) || (h > 0 && p.Height != h) {
			continue
		}
		if !found || (fps > 0 && absf(p.FrameRate-float32(fps)) < absf(best.FrameRate-float32(fps)) && p.FrameRate != 0) {
			best, found = p, true
		}
	}
	if !found {
		return best, false
	}
	if fps > 0 && (best.FrameRate == 0 || fps < int(best.FrameRate)) {
		best.FrameRate = float32(fps)
	}
	if best.FrameRate == 0 {
		best.FrameRate = 30
	}
	return best, true
}

func absf(f float32) float32 {
	if f < 0 {
		return -f
	}
	return f
}

func videoReader(r video.Reader, clock media.Clock) func() (*media.VideoFrame, *media.AudioFrame, error) {
	var seq uint64
	var last time.Duration = -1
	return func() (*media.VideoFrame, *media.AudioFrame, error) {
		img, release, err := r.Read()
		if err != nil {
			return nil, nil, err
		}
		pts := clock.Now()
		f, err := toI420(img)
		if release != nil {
			release()
		}
		if err != nil {
			return nil, nil, err
		}
		if pts <= last {
			pts = last + 1
		}
		last = pts
		f.PTS, f.Seq = pts, seq
		seq++
		return f, nil, nil
	}
}

// OpenMicrophone opens a microphone ("" id: the default one) delivering S16
// stereo at 48 kHz. Mono is duplicated to both channels, more than two
// channels keep the first two; any other rate is ErrUnsupportedFormat.
func OpenMicrophone(id string, opts ...Option) (capture.Source, error) {
	cfg := newConfig(opts)
	drvMu.Lock()
	defer drvMu.Unlock()
	d, err := find(KindMicrophone, id, cfg)
	if err != nil {
		return nil, err
	}
	if err := open(d, KindMicrophone); err != nil {
		return nil, err
	}
	props := d.Properties()
	p, ok := pickAudio(props)
	if !ok {
		_ = d.Close()
		return nil, &FormatError{Device: "microphone " + d.Info().Label,
			Asked: "48000 Hz (1 or 2+ channels)", Offered: formatsOf(props)}
	}
	rec, ok := d.(driver.AudioRecorder)
	if !ok {
		_ = d.Close()
		return nil, fmt.Errorf("devices: microphone %q records no audio: %w", d.Info().Label, ErrUnsupportedFormat)
	}
	r, err := rec.AudioRecord(p)
	if err != nil {
		return nil, fmt.Errorf("devices: start microphone %q: %w", d.Info().Label, err)
	}
	info := capture.Info{
		Name: d.Info().Label, Live: true,
		Audio: &capture.AudioInfo{Format: media.SampleS16, SampleRate: SampleRate, Channels: Channels},
	}
	m := &Microphone{source: newSource(info, d, KindMicrophone)}
	m.read = m.audioReader(r, cfg.clock)
	return m, nil
}

// SampleRate and Channels are what microphones deliver.
const (
	SampleRate = 48000
	Channels   = 2
)

// pickAudio prefers 48 kHz stereo, then 48 kHz with more channels, then mono.
func pickAudio(props []prop.Media) (prop.Media, bool) {
	rank := func(p prop.Media) int {
		switch {
		case p.SampleRate != SampleRate || p.ChannelCount < 0:
			return 0
		case p.ChannelCount == 2 || p.ChannelCount == 0: // 0: miniaudio takes any count
			return 3 + b2i(!p.IsFloat)
		case p.ChannelCount > 2:
			return 2
		}
		return 1
	}
	best, br := prop.Media{}, 0
	for _, p := range props {
		if r := rank(p); r > br {
			best, br = p, r
		}
	}
	if best.Latency == 0 {
		best.Latency = 20 * time.Millisecond
	}
	if best.ChannelCount == 0 {
		best.ChannelCount = Channels
	}
	best.IsInterleaved = true
	return best, br > 0
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Microphone is the capture.Source OpenMicrophone returns; it also reports
// how its device clock drifts against the session clock.
type Microphone struct {
	*source
	driftMu sync.Mutex
	drift   DriftStats
}

// Drift returns the latest drift measurement.
func (m *Microphone) Drift() DriftStats {
	m.driftMu.Lock()
	defer m.driftMu.Unlock()
	return m.drift
}

func (m *Microphone) audioReader(r audio.Reader, clock media.Clock) func() (*media.VideoFrame, *media.AudioFrame, error) {
	var dc driftCorrector
	return func() (*media.VideoFrame, *media.AudioFrame, error) {
		chunk, release, err := r.Read()
		if err != nil {
			return nil, nil, err
		}
		now := clock.Now()
		ci := chunk.ChunkInfo()
		if ci.SamplingRate != SampleRate {
			if release != nil {
				release()
			}
			return nil, nil, &FormatError{Device: "microphone " + m.info.Name,
				Asked: "48000 Hz", Offered: []Format{{SampleRate: ci.SamplingRate, Channels: ci.Channels}}}
		}
		data := toS16Stereo(chunk)
		if release != nil {
			release()
		}
		n := ci.Len
		start := dc.next
		adj := dc.observe(now, n)
		data = applyAdjust(data, adj)
		n += adj
		dc.next += int64(n)
		m.driftMu.Lock()
		m.drift = dc.stats
		m.driftMu.Unlock()
		f := &media.AudioFrame{Format: media.SampleS16, SampleRate: SampleRate, Channels: Channels,
			Samples: n, Data: data, Start: start, PTS: dc.origin + media.SamplesToDuration(start, SampleRate)}
		return nil, f, nil
	}
}
