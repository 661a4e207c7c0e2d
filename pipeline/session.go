// Package pipeline wires one Source through encoders to sinks. A Session
// owns every goroutine it starts and waits for all of them on Stop.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/onair-dev/onair/capture"
	"github.com/onair-dev/onair/encode"
	"github.com/onair-dev/onair/filters"
	"github.com/onair-dev/onair/media"
	"github.com/onair-dev/onair/stream"
	"github.com/onair-dev/onair/telemetry/avsync"
	"github.com/onair-dev/onair/telemetry/netstats"
)

// Config is what a session runs.
type Config struct {
	Source capture.Source
	Video  encode.VideoConfig
	Audio  encode.AudioConfig
	Sinks  []stream.Sink
	Log    *slog.Logger
	// EncodeQueue is how many frames may wait for the encoder before a live
	// source's frames are dropped (and counted). Default: one second.
	EncodeQueue int
	// OutputQueue is how many packets may wait for one output before it
	// drops to the next keyframe. Default 1024 (several seconds).
	OutputQueue int
	// OnEvent, if set, hears every state change and error (from any goroutine).
	OnEvent func(Event)
	// StopGrace bounds how long Stop waits for outputs to drain before it
	// aborts them. Default 5 s.
	StopGrace time.Duration
	// Filters is the initial filter chain (specs such as "blur:k=9").
	Filters []string
	// FilterStage runs the filter stage even with no initial filters, so the
	// chain can be changed live (SetFilters). It costs two colour
	// conversions per frame.
	FilterStage bool
}

// Event is one thing that happened to the session or an output.
type Event struct {
	Output string // empty for the session itself
	State  string
	Err    error
}

// Session is one go-live: Start, then Wait or Stop.
type Session struct {
	cfg    Config
	log    *slog.Logger
	groups []*group
	outs   []*output
	cnt    counters
	cancel context.CancelFunc
	wg     sync.WaitGroup
	done   chan struct{}
	err    error
	stop   sync.Once
	begun  atomic.Bool
	// running is set once the encoders are open: Stats reads them only then.
	running atomic.Bool
	hasVid  bool
	hasAud  bool

	stage    *filters.Stage // nil without filters
	filterMu sync.Mutex
	stageOn  atomic.Bool  // the chain is not empty: frames go through the stage
	inStage  atomic.Int64 // frames handed to the stage and not yet to the encoders

	// At the encoders' input: the newest frame for a preview (latest wins,
	// never a copy) and the A/V sync meter.
	latest  atomic.Pointer[media.VideoFrame]
	meter   *avsync.Meter
	started time.Time
}

// group is one pair of encoders and the outputs fed from them. Outputs
// with the same needs share a group (one encode for several sinks); an
// output that steers its encoder (WebRTC congestion control) gets its own.
type group struct {
	vcfg    encode.VideoConfig
	acfg    encode.AudioConfig
	venc    *encode.VideoEncoder
	aenc    *encode.AudioEncoder
	outs    []*output
	sinks   []stream.Sink
	queue   chan item
	encoded atomic.Uint64
	dropped atomic.Uint64
}

type item struct {
	video *media.VideoFrame
	audio *media.AudioFrame
}

// New checks cfg and plans the encoders; nothing native opens until Start.
func New(cfg Config) (*Session, error) {
	if cfg.Source == nil {
		return nil, ErrNoSource
	}
	if len(cfg.Sinks) == 0 {
		return nil, ErrNoOutputs
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.EncodeQueue <= 0 {
		cfg.EncodeQueue = 30
	}
	if cfg.OutputQueue <= 0 {
		cfg.OutputQueue = 1024
	}
	if cfg.StopGrace <= 0 {
		cfg.StopGrace = 5 * time.Second
	}
	info := cfg.Source.Info()
	s := &Session{cfg: cfg, log: cfg.Log, done: make(chan struct{}), hasVid: info.Video != nil, hasAud: info.Audio != nil,
		meter: avsync.New()}
	if !s.hasVid && !s.hasAud {
		return nil, fmt.Errorf("source %s has neither video nor audio: %w", info.Name, ErrNoSource)
	}
	if s.hasVid {
		if err := cfg.Video.Validate(); err != nil {
			return nil, err
		}
	}
	if s.hasAud {
		if err := cfg.Audio.Validate(); err != nil {
			return nil, err
		}
	}
	if fs, err := parseFilters(cfg.Filters); err != nil { // refuse a bad spec before going live
		return nil, err
	} else {
		for _, f := range fs {
			f.Close()
		}
	}
	s.plan()
	return s, nil
}

// plan assigns every sink to a group by the encoder settings it needs.
func (s *Session) plan() {
	type key struct {
		v encode.VideoConfig
		a encode.AudioConfig
	}
	shared := map[key]*group{}
	for _, sk := range s.cfg.Sinks {
		v, a, own := s.cfg.Video, s.cfg.Audio, false
		if w, ok := sk.(stream.Wanter); ok {
			want := w.Want()
			v, a = Adapt(v, a, want)
			own = want.OwnEncoder
		}
		k := key{v, a}
		g := shared[k]
		if g == nil || own {
			g = &group{vcfg: v, acfg: a}
			s.groups = append(s.groups, g)
			if !own {
				shared[k] = g
			}
		}
		g.sinks = append(g.sinks, sk)
	}
}

// Adapt changes encoder settings to what an output wants: its codec (the
// usual software encoder for it), its H.264 profile, its audio codec.
func Adapt(v encode.VideoConfig, a encode.AudioConfig, w stream.Want) (encode.VideoConfig, encode.AudioConfig) {
	if w.VideoCodec != "" && encode.CodecOf(v.Encoder) != w.VideoCodec {
		switch w.VideoCodec {
		case "h264":
			v.Encoder = "libx264"
		case "vp8":
			v.Encoder = "libvpx"
		}
	}
	if w.H264Profile != "" && encode.CodecOf(v.Encoder) == "h264" {
		v.Profile = w.H264Profile
	}
	if w.RateControl != "" {
		v.RateControl = w.RateControl
	}
	if w.AudioCodec != "" && encode.CodecOf(a.Encoder) != w.AudioCodec {
		switch w.AudioCodec {
		case "opus":
			a.Encoder = "libopus"
		case "aac":
			a.Encoder = "aac"
		}
	}
	return v, a
}

func (s *Session) emit(e Event) {
	if e.Err != nil {
		s.log.Error("output", "output", e.Output, "state", e.State, "err", e.Err)
	} else {
		s.log.Info("state", "output", e.Output, "state", e.State)
	}
	if s.cfg.OnEvent != nil {
		s.cfg.OnEvent(e)
	}
}

// Start opens the encoders and begins capturing; outputs connect in the
// background, each on its own, so a slow server never holds up a recording.
func (s *Session) Start(ctx context.Context) error {
	if !s.begun.CompareAndSwap(false, true) {
		return ErrAlreadyStarted
	}
	if err := s.startStage(); err != nil {
		s.err = err
		close(s.done)
		return err
	}
	if err := s.startEncoders(); err != nil {
		if s.stage != nil {
			s.stage.Close()
			for _, f := range s.stage.SetChain(nil) {
				f.Close()
			}
		}
		s.err = err
		close(s.done)
		return err
	}
	s.startWorkers(ctx)
	s.running.Store(true)
	s.emit(Event{State: "live"})
	return nil
}

func (s *Session) startEncoders() error {
	for _, g := range s.groups {
		if s.hasVid {
			v, err := encode.OpenVideo(g.vcfg, s.log)
			if err != nil {
				s.closeEncoders()
				return err
			}
			g.venc = v
			s.log.Info("video encoder", "encoder", v.Name(), "size", fmt.Sprintf("%dx%d", g.vcfg.Width, g.vcfg.Height),
				"fps", g.vcfg.FPS, "bitrate", g.vcfg.Bitrate, "profile", g.vcfg.Profile)
		}
		if s.hasAud {
			a, err := encode.OpenAudio(g.acfg)
			if err != nil {
				s.closeEncoders()
				return err
			}
			g.aenc = a
		}
	}
	return nil
}

func (s *Session) startWorkers(ctx context.Context) {
	runCtx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.started = time.Now()
	unhook := context.AfterFunc(ctx, func() { s.Stop() })

	for _, g := range s.groups {
		var streams []media.StreamInfo
		if g.venc != nil {
			streams = append(streams, g.venc.Info())
		}
		if g.aenc != nil {
			streams = append(streams, g.aenc.Info())
		}
		g.queue = make(chan item, s.cfg.EncodeQueue)
		for _, sk := range g.sinks {
			if ft, ok := sk.(stream.FeedbackTaker); ok && g.venc != nil {
				ft.SetFeedback(g.venc, g.venc)
			}
			o := newOutput(sk, s.cfg.OutputQueue, s.emit)
			if dc, ok := sk.(stream.DropCounterTaker); ok {
				dc.SetDropCounter(func() uint64 { return g.dropped.Load() + o.drops.Load() })
			}
			if n, ok := sk.(stream.Notifier); ok {
				n.SetNotify(func(state string, err error) {
					s.emit(Event{Output: sk.Name(), State: state, Err: err})
				})
			}
			g.outs = append(g.outs, o)
			s.outs = append(s.outs, o)
			s.wg.Add(1)
			go func() { defer s.wg.Done(); o.run(streams) }()
		}
	}

	videoCh := make(chan *media.VideoFrame, 2)
	audioCh := make(chan *media.AudioFrame, 8)
	srcDone := make(chan error, 1)
	s.wg.Add(2 + len(s.groups))
	go func() {
		defer s.wg.Done()
		var v chan<- *media.VideoFrame
		var a chan<- *media.AudioFrame
		if s.hasVid {
			v = videoCh
		}
		if s.hasAud {
			a = audioCh
		}
		err := s.cfg.Source.Run(runCtx, v, a)
		close(videoCh)
		close(audioCh)
		srcDone <- err
	}()
	go func() { defer s.wg.Done(); s.route(videoCh, audioCh) }()
	for _, g := range s.groups {
		go func() { defer s.wg.Done(); s.encodeLoop(g) }()
	}
	go func() {
		s.wg.Wait()
		unhook()
		s.closeEncoders()
		s.err = s.finalError(<-srcDone)
		s.emit(Event{State: "stopped", Err: s.err})
		close(s.done)
	}()
}

// route moves frames from the source to every group's encoder queue. For
// a live source a full queue drops video (counted, as OBS shows "dropped
// frames"); audio is never dropped, so sync survives an overloaded encoder.
func (s *Session) route(videoCh <-chan *media.VideoFrame, audioCh <-chan *media.AudioFrame) {
	live := s.cfg.Source.Info().Live
	var toStage chan *media.VideoFrame
	filtered := make(chan struct{})
	if s.stage != nil {
		toStage = make(chan *media.VideoFrame, s.cfg.EncodeQueue)
		s.wg.Add(1)
		go func() { defer s.wg.Done(); defer close(filtered); s.filterLoop(toStage, live) }()
	} else {
		close(filtered)
	}
	defer func() {
		if toStage != nil {
			close(toStage)
		}
		<-filtered // video still in the stage reaches the encoders first
		for _, g := range s.groups {
			close(g.queue)
		}
	}()
	for videoCh != nil || audioCh != nil {
		select {
		case f, ok := <-videoCh:
			if !ok {
				videoCh = nil
				continue
			}
			s.cnt.captured.Add(1)
			switch {
			case toStage == nil:
				s.dispatchVideo(f, live)
			case !s.stageOn.Load():
				// Empty chain: skip the stage's two colour conversions. Frames
				// still inside it go out first, so nothing is reordered.
				s.waitStageEmpty()
				s.dispatchVideo(f, live)
			case !live:
				s.inStage.Add(1)
				toStage <- f
			default:
				s.inStage.Add(1)
				select {
				case toStage <- f:
				default: // the filters lag: drop before them, counted for every encoder
					s.inStage.Add(-1)
					s.cnt.dropped.Add(1)
					for _, g := range s.groups {
						g.dropped.Add(1)
					}
				}
			}
		case a, ok := <-audioCh:
			if !ok {
				audioCh = nil
				continue
			}
			s.cnt.audio.Add(1)
			s.meter.ObserveAudio(a.PTS, time.Since(s.started))
			for _, g := range s.groups {
				g.queue <- item{audio: a}
			}
		}
	}
}

// dispatchVideo hands one frame to every encoder group. For a live source a
// full queue drops the frame (counted, as OBS shows "dropped frames").
func (s *Session) dispatchVideo(f *media.VideoFrame, live bool) {
	s.latest.Store(f)
	s.meter.ObserveVideo(f.PTS, time.Since(s.started))
	for _, g := range s.groups { // encoders only read frames: one copy serves all
		if !live {
			g.queue <- item{video: f}
			continue
		}
		select {
		case g.queue <- item{video: f}:
		default:
			g.dropped.Add(1)
			s.cnt.dropped.Add(1)
		}
	}
}

func (s *Session) encodeLoop(g *group) {
	defer func() {
		for _, o := range g.outs {
			o.finish()
		}
	}()
	var failed bool
	for it := range g.queue {
		if failed {
			continue // drain so the router and source can finish
		}
		var pkts []*media.Packet
		var err error
		switch {
		case it.video != nil && g.venc != nil:
			pkts, err = g.venc.Encode(it.video)
			if err == nil {
				g.encoded.Add(1)
			}
		case it.audio != nil && g.aenc != nil:
			pkts, err = g.aenc.Encode(it.audio)
		}
		s.fanOut(g, pkts)
		if err != nil {
			failed = true
			s.emit(Event{State: "failed", Err: err})
			s.cancel()
		}
	}
	if g.venc != nil {
		pkts, err := g.venc.Flush()
		s.fanOut(g, pkts)
		if err != nil {
			s.log.Warn("video flush", "err", err)
		}
	}
	if g.aenc != nil {
		pkts, err := g.aenc.Flush()
		s.fanOut(g, pkts)
		if err != nil {
			s.log.Warn("audio flush", "err", err)
		}
	}
}

func (s *Session) fanOut(g *group, pkts []*media.Packet) {
	for _, p := range pkts {
		for _, o := range g.outs {
			o.offer(p)
		}
	}
	// Stop early when nothing is left to send to: streaming into no output
	// helps nobody.
	if len(pkts) > 0 && s.allFailed() {
		s.cancel()
	}
}

func (s *Session) allFailed() bool {
	for _, o := range s.outs {
		if OutputState(o.state.Load()) != OutputFailed {
			return false
		}
	}
	return true
}

func (s *Session) finalError(srcErr error) error {
	var errs []error
	if srcErr != nil && !errors.Is(srcErr, context.Canceled) {
		errs = append(errs, fmt.Errorf("source: %w", srcErr))
	}
	if s.allFailed() {
		errs = append(errs, ErrAllOutputsFailed)
		for _, o := range s.outs {
			errs = append(errs, o.err())
		}
	}
	return errors.Join(errs...)
}

func (s *Session) closeEncoders() {
	for _, g := range s.groups {
		if g.venc != nil {
			g.venc.Close()
		}
		if g.aenc != nil {
			g.aenc.Close()
		}
	}
}

// Stop ends capture, lets encoders and outputs drain (bounded by
// StopGrace, then outputs are aborted) and waits for every goroutine.
func (s *Session) Stop() error {
	if !s.begun.Load() {
		return nil
	}
	s.stop.Do(func() {
		if s.cancel == nil { // Start failed: nothing runs
			return
		}
		s.cancel()
		select {
		case <-s.done:
		case <-time.After(s.cfg.StopGrace):
			for _, o := range s.outs {
				o.sink.Abort()
			}
		}
	})
	<-s.done
	return s.err
}

// Done is closed when the session has fully stopped.
func (s *Session) Done() <-chan struct{} { return s.done }

// Wait blocks until the source ends or Stop is called, and returns the
// session's error: nil when at least one output delivered to the end.
func (s *Session) Wait() error {
	<-s.done
	return s.err
}

// NetStats returns the network time series of every output that keeps one,
// by output name.
func (s *Session) NetStats() map[string]*netstats.Series {
	out := map[string]*netstats.Series{}
	for _, sk := range s.cfg.Sinks {
		if n, ok := sk.(stream.NetStatser); ok {
			out[sk.Name()] = n.NetStats()
		}
	}
	return out
}

// LatestFrame is the newest picture handed to the encoders (after the
// filters), or nil. It is shared with them: read it, never write it.
func (s *Session) LatestFrame() *media.VideoFrame { return s.latest.Load() }

// AVSync is the A/V sync meter's series at the encoders' input, one sample
// a second (positive: audio early).
func (s *Session) AVSync() *avsync.Series { return s.meter.Series() }

// Stats returns a snapshot of the counters.
func (s *Session) Stats() Stats {
	st := Stats{
		Captured: s.cnt.captured.Load(),
		Dropped:  s.cnt.dropped.Load(), AudioFrames: s.cnt.audio.Load(),
	}
	if !s.running.Load() {
		return st // not started (or failed to): no encoder or output yet
	}
	for _, o := range s.outs {
		st.Outputs = append(st.Outputs, o.stats())
	}
	for _, g := range s.groups {
		es := EncoderStats{Encoded: g.encoded.Load(), Dropped: g.dropped.Load()}
		if g.venc != nil {
			es.Video, es.Bitrate = g.venc.Name(), g.venc.Bitrate()
		}
		if g.aenc != nil {
			es.Audio = g.aenc.Name()
		}
		st.Encoders = append(st.Encoders, es)
		if len(st.Encoders) == 1 || es.Encoded < st.Encoded {
			st.Encoded = es.Encoded
		}
	}
	return st
}
