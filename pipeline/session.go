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
	"github.com/onair-dev/onair/media"
	"github.com/onair-dev/onair/stream"
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
	venc   *encode.VideoEncoder
	aenc   *encode.AudioEncoder
	outs   []*output
	cnt    counters
	cancel context.CancelFunc
	wg     sync.WaitGroup
	done   chan struct{}
	err    error
	start  sync.Once
	stop   sync.Once
	begun  atomic.Bool
	hasVid bool
	hasAud bool
}

type item struct {
	video *media.VideoFrame
	audio *media.AudioFrame
}

// New checks cfg; nothing native is opened until Start.
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
	s := &Session{cfg: cfg, log: cfg.Log, done: make(chan struct{}), hasVid: info.Video != nil, hasAud: info.Audio != nil}
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
	return s, nil
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
	if err := s.startEncoders(); err != nil {
		s.err = err
		close(s.done)
		return err
	}
	s.startWorkers(ctx)
	s.emit(Event{State: "live"})
	return nil
}

func (s *Session) startEncoders() error {
	if s.hasVid {
		v, err := encode.OpenVideo(s.cfg.Video, s.log)
		if err != nil {
			return err
		}
		s.venc = v
		s.log.Info("video encoder", "encoder", v.Name(), "size", fmt.Sprintf("%dx%d", s.cfg.Video.Width, s.cfg.Video.Height), "fps", s.cfg.Video.FPS, "bitrate", s.cfg.Video.Bitrate)
	}
	if s.hasAud {
		a, err := encode.OpenAudio(s.cfg.Audio)
		if err != nil {
			s.closeEncoders()
			return err
		}
		s.aenc = a
	}
	return nil
}

func (s *Session) startWorkers(ctx context.Context) {
	var streams []media.StreamInfo
	if s.venc != nil {
		streams = append(streams, s.venc.Info())
	}
	if s.aenc != nil {
		streams = append(streams, s.aenc.Info())
	}
	runCtx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	unhook := context.AfterFunc(ctx, func() { s.Stop() })

	for _, sk := range s.cfg.Sinks {
		o := newOutput(sk, s.cfg.OutputQueue, s.emit)
		s.outs = append(s.outs, o)
		s.wg.Add(1)
		go func() { defer s.wg.Done(); o.run(streams) }()
	}

	videoCh := make(chan *media.VideoFrame, 2)
	audioCh := make(chan *media.AudioFrame, 8)
	encIn := make(chan item, s.cfg.EncodeQueue)
	srcDone := make(chan error, 1)
	s.wg.Add(3)
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
	go func() { defer s.wg.Done(); s.route(videoCh, audioCh, encIn) }()
	go func() { defer s.wg.Done(); s.encodeLoop(encIn) }()
	go func() {
		s.wg.Wait()
		unhook()
		s.closeEncoders()
		s.err = s.finalError(<-srcDone)
		s.emit(Event{State: "stopped", Err: s.err})
		close(s.done)
	}()
}

// route moves frames from the source to the encoder queue. For a live
// source a full queue drops video (counted, as OBS shows "dropped frames");
// audio is never dropped, so sync survives an overloaded encoder.
func (s *Session) route(videoCh <-chan *media.VideoFrame, audioCh <-chan *media.AudioFrame, encIn chan<- item) {
	defer close(encIn)
	live := s.cfg.Source.Info().Live
	for videoCh != nil || audioCh != nil {
		select {
		case f, ok := <-videoCh:
			if !ok {
				videoCh = nil
				continue
			}
			s.cnt.captured.Add(1)
			if live {
				select {
				case encIn <- item{video: f}:
				default:
					s.cnt.dropped.Add(1)
				}
			} else {
				encIn <- item{video: f}
			}
		case a, ok := <-audioCh:
			if !ok {
				audioCh = nil
				continue
			}
			s.cnt.audio.Add(1)
			encIn <- item{audio: a}
		}
	}
}

func (s *Session) encodeLoop(encIn <-chan item) {
	defer func() {
		for _, o := range s.outs {
			o.finish()
		}
	}()
	var failed bool
	for it := range encIn {
		if failed {
			continue // drain so the router and source can finish
		}
		var pkts []*media.Packet
		var err error
		switch {
		case it.video != nil && s.venc != nil:
			pkts, err = s.venc.Encode(it.video)
			if err == nil {
				s.cnt.encoded.Add(1)
			}
		case it.audio != nil && s.aenc != nil:
			pkts, err = s.aenc.Encode(it.audio)
		}
		s.fanOut(pkts)
		if err != nil {
			failed = true
			s.emit(Event{State: "failed", Err: err})
			s.cancel()
		}
	}
	if s.venc != nil {
		pkts, err := s.venc.Flush()
		s.fanOut(pkts)
		if err != nil {
			s.log.Warn("video flush", "err", err)
		}
	}
	if s.aenc != nil {
		pkts, err := s.aenc.Flush()
		s.fanOut(pkts)
		if err != nil {
			s.log.Warn("audio flush", "err", err)
		}
	}
}

func (s *Session) fanOut(pkts []*media.Packet) {
	for _, p := range pkts {
		for _, o := range s.outs {
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
	if s.venc != nil {
		s.venc.Close()
	}
	if s.aenc != nil {
		s.aenc.Close()
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

// Stats returns a snapshot of the counters.
func (s *Session) Stats() Stats {
	st := Stats{
		Captured: s.cnt.captured.Load(), Encoded: s.cnt.encoded.Load(),
		Dropped: s.cnt.dropped.Load(), AudioFrames: s.cnt.audio.Load(),
	}
	for _, o := range s.outs {
		st.Outputs = append(st.Outputs, o.stats())
	}
	return st
}
