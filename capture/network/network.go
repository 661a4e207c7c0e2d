// Package network is a capture.Source that pulls RTMP, HLS, RTSP, SRT and
// other FFmpeg-readable URLs or local media files (mp4, mkv, flv, ts),
// decodes them with FFmpeg and delivers raw frames on the session clock:
// video as tightly packed I420 or RGB24, audio as S16 stereo 48 kHz.
//
// New opens the input (bounded by WithTimeout) so Info describes what the
// input really holds; Run then reads it. Input timestamps are rebased onto
// the session clock: the first frame is stamped with its arrival time and
// later ones with input PTS deltas; jumps (backwards, or forwards by more
// than DiscontinuityThreshold), loops and reconnects are counted in Stats
// and smoothed over so output PTS stay continuous and strictly increasing.
//
// Errors are typed (ErrUnreachable, ErrNotFound, ErrCorrupt, ErrNoStreams,
// ErrBadPlaylist) and their messages carry URLs only through avlog.Redact.
// A malformed HLS playlist is ErrBadPlaylist, not ErrCorrupt.
package network

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/asticode/go-astiav"

	"github.com/onair-dev/onair/capture"
	"github.com/onair-dev/onair/internal/avlog"
	"github.com/onair-dev/onair/media"
)

// DiscontinuityThreshold is the largest forward PTS step taken as normal.
const DiscontinuityThreshold = time.Second

// Audio output format.
const (
	SampleRate = 48000
	Channels   = 2
)

type inputKind int

const (
	kindFile inputKind = iota
	kindHLS            // http(s)://….m3u8
	kindLive           // rtmp, rtsp, srt, udp, …
	kindURL            // other http(s) and URLs read like files
)

func kindOf(in string) inputKind {
	if !strings.Contains(in, "://") {
		return kindFile
	}
	u, err := url.Parse(in)
	if err != nil {
		return kindURL
	}
	switch strings.ToLower(u.Scheme) {
	case "file":
		return kindFile
	case "http", "https":
		if strings.EqualFold(path.Ext(u.Path), ".m3u8") {
			return kindHLS
		}
		return kindURL
	case "rtmp", "rtmps", "rtmpt", "rtmpts", "rtsp", "rtsps", "srt", "udp", "rtp", "tcp", "rist":
		return kindLive
	}
	return kindURL
}

// Stats counts what a Source has done; safe to call at any time.
type Stats struct {
	FramesVideo     uint64
	FramesAudio     uint64
	Discontinuities uint64
	Reconnects      uint64
	SegmentErrors   uint64
}

// Source pulls one input. Create it with New.
type Source struct {
	input string
	safe  string
	kind  inputKind
	cfg   config
	info  capture.Info

	mu      sync.Mutex
	closed  bool
	running bool
	cur     *demuxer // the open input; owned by New, then by Run
	closing chan struct{}
	runDone chan struct{}
	once    sync.Once

	framesV, framesA, discs, reconnects, segErrs atomic.Uint64

	// Owned by the Run goroutine.
	tl       timeline
	seq      uint64
	aStarted bool
	aOrigin  time.Duration
	// base maps the input's first timestamp, of whichever stream comes
	// first, onto the session clock (out = in + base). Both streams start
	// from it, so the input's own A/V relation survives the rebase.
	base      time.Duration
	baseSet   bool
	aSamples  int64
	aLastIn   time.Duration
	aHaveLast bool
	breakNext bool
}

var _ capture.Source = (*Source)(nil)

// New validates opts and opens input (a path or URL), reading its stream
// information. It fails with a typed error when the input cannot be used.
func New(input string, opts ...Option) (*Source, error) {
	cfg := defaults()
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	s := &Source{input: input, safe: avlog.Redact(input), kind: kindOf(input), cfg: cfg,
		closing: make(chan struct{}), runDone: make(chan struct{})}
	if cfg.loop && s.kind != kindFile {
		return nil, fmt.Errorf("network %s: WithLoop is for files only", s.safe)
	}
	if cfg.reconnect && s.kind != kindLive && s.kind != kindHLS {
		return nil, fmt.Errorf("network %s: WithReconnect is for live inputs only", s.safe)
	}
	if s.cfg.clock == nil {
		s.cfg.clock = media.NewWallClock()
	}
	d, err := s.open(context.Background())
	if err != nil {
		return nil, err
	}
	s.cur = d
	s.info = s.infoFrom(d)
	return s, nil
}

func (s *Source) infoFrom(d *demuxer) capture.Info {
	info := capture.Info{Name: s.safe}
	if d.vStream != nil {
		cp := d.vStream.CodecParameters()
		vi := &capture.VideoInfo{Format: s.cfg.pixel, Width: cp.Width(), Height: cp.Height()}
		if fr := d.vStream.AvgFrameRate(); fr.Num() > 0 && fr.Den() > 0 {
			vi.FrameRate = media.Rational{Num: fr.Num(), Den: fr.Den()}
		} else if fr := d.vStream.RFrameRate(); fr.Num() > 0 && fr.Den() > 0 {
			vi.FrameRate = media.Rational{Num: fr.Num(), Den: fr.Den()}
		}
		info.Video = vi
	}
	if d.aStream != nil {
		info.Audio = &capture.AudioInfo{Format: media.SampleS16, SampleRate: SampleRate, Channels: Channels}
	}
	switch s.kind {
	case kindLive:
		info.Live = true
	case kindHLS:
		info.Live = d.fc.Duration() <= 0 // a playlist without an end
	}
	return info
}

// Info describes the opened input (valid from New on).
func (s *Source) Info() capture.Info { return s.info }

// Stats returns the counters so far.
func (s *Source) Stats() Stats {
	return Stats{FramesVideo: s.framesV.Load(), FramesAudio: s.framesA.Load(), Discontinuities: s.discs.Load(),
		Reconnects: s.reconnects.Load(), SegmentErrors: s.segErrs.Load()}
}

// interrupt aborts whatever FFmpeg call d is blocked in.
func (s *Source) interrupt(d *demuxer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d != nil && !d.freed && d.intr != nil {
		d.intr.Interrupt()
	}
}

// open opens the input once; the result is registered as s.cur's successor
// by the caller. Close during open interrupts it.
func (s *Source) open(ctx context.Context) (*demuxer, error) {
	if s.kind == kindFile {
		p := strings.TrimPrefix(s.input, "file://")
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("network %s: %w", s.safe, ErrNotFound)
		}
		if st.IsDir() {
			return nil, fmt.Errorf("network %s: is a folder: %w", s.safe, ErrCorrupt)
		}
	}
	d := &demuxer{fc: astiav.AllocFormatContext()}
	if d.fc == nil {
		return nil, fmt.Errorf("network %s: out of memory", s.safe)
	}
	d.intr = d.fc.SetInterruptCallback()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		d.free()
		return nil, fmt.Errorf("network %s: %w", s.safe, ErrClosed)
	}
	s.mu.Unlock()

	octx, cancel := context.WithTimeout(ctx, s.cfg.timeout)
	defer cancel()
	stop := context.AfterFunc(octx, func() { s.interrupt(d) })
	stopClose := s.onClose(func() { s.interrupt(d) })
	defer stopClose()

	opts := astiav.NewDictionary()
	defer opts.Free()
	us := fmt.Sprint(s.cfg.timeout.Microseconds())
	if s.kind != kindFile {
		_ = opts.Set("rw_timeout", us, 0)
	}
	var ifmt *astiav.InputFormat
	if s.kind == kindHLS {
		ifmt = astiav.FindInputFormat("hls")
	}
	if s.kind == kindLive && strings.HasPrefix(strings.ToLower(s.input), "rtsp") {
		_ = opts.Set("rtsp_transport", "tcp", 0)
		_ = opts.Set("timeout", us, 0)
	}
	capt := avlog.Start()
	err := d.fc.OpenInput(s.input, ifmt, opts)
	if err == nil {
		d.opened = true
		err = d.fc.FindStreamInfo(nil)
	}
	lines := capt.Stop()
	interrupted := !stop() // the timeout fired
	if err != nil {
		s.freeLocked(d)
		if s.isClosed() {
			return nil, fmt.Errorf("network %s: %w", s.safe, ErrClosed)
		}
		if interrupted {
			octx = canceled
		}
		return nil, classify(octx, s.safe, s.kind, err, lines, s.cfg.timeout)
	}
	if err := d.setupStreams(); err != nil {
		s.freeLocked(d)
		if errors.Is(err, ErrNoStreams) && s.kind == kindHLS {
			return nil, fmt.Errorf("network %s: playlist has no playable segments: %w", s.safe, ErrBadPlaylist)
		}
		if errors.Is(err, ErrNoStreams) {
			return nil, fmt.Errorf("network %s: %w", s.safe, ErrNoStreams)
		}
		return nil, fmt.Errorf("network %s: %s: %w", s.safe, avlog.Redact(err.Error()), ErrCorrupt)
	}
	if interrupted {
		s.freeLocked(d)
		return nil, fmt.Errorf("network %s: no answer within %v: %w", s.safe, s.cfg.timeout, ErrUnreachable)
	}
	return d, nil
}

func (s *Source) freeLocked(d *demuxer) {
	s.mu.Lock()
	d.free()
	s.mu.Unlock()
}

var canceled = func() context.Context { c, cancel := context.WithCancel(context.Background()); cancel(); return c }()

// onClose runs fn when Close is called, until the returned stop is called.
func (s *Source) onClose(fn func()) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		select {
		case <-s.closing:
			fn()
		case <-done:
		}
	}()
	return func() { close(done); <-finished }
}

func (s *Source) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// Close stops Run (interrupting a blocked read), waits for it to return and
// frees every native object. Idempotent.
func (s *Source) Close() error {
	s.once.Do(func() {
		s.mu.Lock()
		s.closed = true
		close(s.closing)
		running := s.running
		if s.cur != nil && s.cur.intr != nil {
			s.cur.intr.Interrupt()
		}
		var d *demuxer
		if !running {
			d, s.cur = s.cur, nil
		}
		s.mu.Unlock()
		if running {
			<-s.runDone
		} else {
			d.free()
		}
	})
	return nil
}

// Run reads the input until ctx ends (nil), the input ends (nil), Close
// (nil) or a failure. A nil channel drops that kind of frame.
func (s *Source) Run(ctx context.Context, video chan<- *media.VideoFrame, audio chan<- *media.AudioFrame) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return fmt.Errorf("network %s: %w", s.safe, ErrClosed)
	}
	if s.running || s.cur == nil {
		s.mu.Unlock()
		return fmt.Errorf("network %s: Run called twice", s.safe)
	}
	s.running = true
	d := s.cur
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		d := s.cur
		s.cur = nil
		d.free()
		s.mu.Unlock()
		close(s.runDone)
	}()
	stopCtx := context.AfterFunc(ctx, func() {
		s.mu.Lock()
		if s.cur != nil && !s.cur.freed {
			s.cur.intr.Interrupt()
		}
		s.mu.Unlock()
	})
	defer stopCtx()

	attempt := 0
	for {
		err := s.pump(ctx, d, video, audio)
		if ctx.Err() != nil || s.isClosed() {
			return nil
		}
		eof := errors.Is(err, astiav.ErrEof)
		switch {
		case eof && s.cfg.loop:
			// replay the file
		case s.cfg.reconnect && (s.kind == kindLive || s.kind == kindHLS):
			s.event(Event{Kind: EventDisconnected, Err: s.readErr(err)})
		case eof:
			return nil
		default:
			return s.readErr(err)
		}
		// Reopen: swap the current demuxer for a new one.
		for {
			if !eof || !s.cfg.loop {
				attempt++
				delay := MinBackoff << min(attempt-1, 5)
				if delay > MaxBackoff {
					delay = MaxBackoff
				}
				s.event(Event{Kind: EventReconnecting, Attempt: attempt, Delay: delay})
				select {
				case <-ctx.Done():
					return nil
				case <-s.closing:
					return nil
				case <-time.After(delay):
				}
			}
			nd, oerr := s.open(ctx)
			if oerr == nil {
				s.mu.Lock()
				old := s.cur
				s.cur = nd
				old.free()
				s.mu.Unlock()
				d = nd
				s.breakNext = true
				if !s.cfg.loop {
					s.reconnects.Add(1)
					s.event(Event{Kind: EventReconnected, Attempt: attempt})
					attempt = 0
				}
				break
			}
			if ctx.Err() != nil || s.isClosed() {
				return nil
			}
			if s.cfg.loop {
				return oerr
			}
			s.event(Event{Kind: EventDisconnected, Attempt: attempt, Err: oerr})
		}
	}
}

func (s *Source) event(e Event) {
	if s.cfg.onEvent != nil {
		s.cfg.onEvent(e)
	}
}

func (s *Source) readErr(err error) error {
	if err == nil || errors.Is(err, astiav.ErrEof) {
		return fmt.Errorf("network %s: input ended: %w", s.safe, ErrUnreachable)
	}
	var ae astiav.Error
	if errors.As(err, &ae) {
		switch {
		case errors.Is(err, astiav.Error(-int(syscall.ETIMEDOUT))), errors.Is(err, astiav.ErrExit):
			return fmt.Errorf("network %s: no data within %v: %w", s.safe, s.cfg.timeout, ErrUnreachable)
		case errors.Is(err, astiav.ErrInvaliddata):
			return fmt.Errorf("network %s: %s: %w", s.safe, avlog.Redact(err.Error()), ErrCorrupt)
		}
		if s.kind == kindFile {
			return fmt.Errorf("network %s: %s: %w", s.safe, avlog.Redact(err.Error()), ErrCorrupt)
		}
		return fmt.Errorf("network %s: %s: %w", s.safe, avlog.Redact(err.Error()), ErrUnreachable)
	}
	return fmt.Errorf("network %s: %s", s.safe, avlog.Redact(err.Error()))
}

// pump reads and decodes until the input ends (astiav.ErrEof, after
// draining the decoders) or fails.
func (s *Source) pump(ctx context.Context, d *demuxer, video chan<- *media.VideoFrame, audio chan<- *media.AudioFrame) error {
	// Watchdog: a network input that sends nothing for the timeout is
	// stalled (rw_timeout does not see protocol keep-alives or a server
	// that keeps an idle session open), so interrupt the read.
	var watchdog *time.Timer
	if s.kind != kindFile {
		watchdog = time.AfterFunc(s.cfg.timeout, func() { s.interrupt(d) })
		defer watchdog.Stop()
	}
	for {
		if watchdog != nil {
			watchdog.Reset(s.cfg.timeout)
		}
		err := d.fc.ReadFrame(d.pkt)
		if watchdog != nil {
			watchdog.Stop() // not while a slow reader holds us up
		}
		if err != nil {
			if errors.Is(err, astiav.ErrEof) || (s.kind == kindFile && !errors.Is(err, astiav.ErrExit)) {
				if derr := s.drain(ctx, d, video, audio); derr != nil {
					return derr
				}
				if errors.Is(err, astiav.ErrEof) {
					return astiav.ErrEof
				}
			}
			return err
		}
		idx := d.pkt.StreamIndex()
		err = nil
		switch {
		case idx == d.vIdx && d.vDec != nil:
			err = s.decode(ctx, d, d.vDec, d.pkt, video, audio)
		case idx == d.aIdx && d.aDec != nil:
			err = s.decode(ctx, d, d.aDec, d.pkt, video, audio)
		}
		d.pkt.Unref()
		if err != nil {
			return err
		}
	}
}

func (s *Source) drain(ctx context.Context, d *demuxer, video chan<- *media.VideoFrame, audio chan<- *media.AudioFrame) error {
	for _, cc := range []*astiav.CodecContext{d.vDec, d.aDec} {
		if cc == nil {
			continue
		}
		if err := s.decode(ctx, d, cc, nil, video, audio); err != nil {
			return err
		}
	}
	if d.src != nil {
		if err := d.src.BuffersrcAddFrame(nil, astiav.NewBuffersrcFlags()); err == nil {
			return s.pullAudio(ctx, d, audio)
		}
	}
	return nil
}

var errStop = errors.New("stopped")

// decode sends pkt (nil: drain) and handles every frame it yields. Decoding
// errors on single packets are skipped, as a player would.
func (s *Source) decode(ctx context.Context, d *demuxer, cc *astiav.CodecContext, pkt *astiav.Packet, video chan<- *media.VideoFrame, audio chan<- *media.AudioFrame) error {
	if err := cc.SendPacket(pkt); err != nil && !errors.Is(err, astiav.ErrEagain) {
		if pkt == nil {
			return nil
		}
		return nil // corrupt packet: skip
	}
	for {
		err := cc.ReceiveFrame(d.frame)
		if errors.Is(err, astiav.ErrEagain) || errors.Is(err, astiav.ErrEof) {
			return nil
		}
		if err != nil {
			return nil
		}
		if cc == d.vDec {
			err = s.onVideo(ctx, d, d.frame, video)
		} else {
			err = s.onAudio(ctx, d, d.frame, audio)
		}
		d.frame.Unref()
		if err != nil {
			return err
		}
	}
}

func (s *Source) stamp(tb astiav.Rational, pts int64) (time.Duration, bool) {
	if pts == astiav.NoPtsValue {
		return 0, false
	}
	return media.Rational{Num: tb.Num(), Den: tb.Den()}.Duration(pts), true
}

func (s *Source) nominalStep() time.Duration {
	if v := s.info.Video; v != nil && v.FrameRate.Num > 0 {
		return time.Duration(int64(time.Second) * int64(v.FrameRate.Den) / int64(v.FrameRate.Num))
	}
	return time.Second / 30
}

func (s *Source) onVideo(ctx context.Context, d *demuxer, f *astiav.Frame, video chan<- *media.VideoFrame) error {
	in, ok := s.stamp(d.vStream.TimeBase(), f.Pts())
	if !s.tl.started && s.baseSet && ok {
		// Audio came first: video starts on its base, one step "after" a
		// virtual previous frame, so the first PTS is exactly in + base.
		step := s.nominalStep()
		s.tl.started, s.tl.offset = true, s.base
		s.tl.lastIn, s.tl.lastOut, s.tl.step = in-step, in-step+s.base, step
	}
	out, disc := s.tl.next(in, ok, s.cfg.clock.Now(), s.nominalStep(), s.breakNext)
	if !s.baseSet {
		s.base, s.baseSet = s.tl.offset, true
	}
	s.breakNext = false
	if disc {
		s.noteDiscontinuity()
	}
	vf, err := d.convertVideo(f, s.cfg.pixel)
	if err != nil {
		return fmt.Errorf("network %s: %w", s.safe, err)
	}
	vf.PTS = out
	vf.Seq = s.seq
	s.seq++
	if s.pace() {
		if err := s.waitUntil(ctx, out); err != nil {
			return err
		}
	}
	if s.cfg.onFrame != nil {
		s.cfg.onFrame(vf)
	}
	if video != nil {
		select {
		case video <- vf:
		case <-ctx.Done():
			return errStop
		case <-s.closing:
			return errStop
		}
	}
	s.framesV.Add(1)
	return nil
}

func (s *Source) noteDiscontinuity() {
	s.discs.Add(1)
	if s.kind == kindHLS {
		s.segErrs.Add(1)
	}
	s.event(Event{Kind: EventDiscontinuity})
}

func (s *Source) pace() bool {
	if s.cfg.realTime != nil {
		return *s.cfg.realTime && s.kind != kindLive
	}
	return false
}

func (s *Source) waitUntil(ctx context.Context, at time.Duration) error {
	wait := at - s.cfg.clock.Now()
	if wait <= 0 {
		return nil
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return errStop
	case <-s.closing:
		return errStop
	}
}

func (s *Source) onAudio(ctx context.Context, d *demuxer, f *astiav.Frame, audio chan<- *media.AudioFrame) error {
	in, ok := s.stamp(d.aStream.TimeBase(), f.Pts())
	if !s.aStarted {
		s.aStarted = true
		if s.tl.started && ok {
			s.aOrigin = in + s.tl.offset
			if s.aOrigin < s.tl.lastOut-time.Second || s.aOrigin > s.tl.lastOut+time.Second {
				s.aOrigin = s.tl.lastOut
			}
		} else {
			s.aOrigin = s.cfg.clock.Now()
			if ok && !s.baseSet {
				s.base, s.baseSet = s.aOrigin-in, true
			}
		}
	}
	if d.vStream == nil && ok {
		// Audio-only: audio timestamps decide discontinuities.
		if s.aHaveLast && (in < s.aLastIn || in-s.aLastIn > DiscontinuityThreshold) {
			s.noteDiscontinuity()
		}
		s.aLastIn, s.aHaveLast = in, true
	}
	if d.graph == nil {
		if err := d.setupAudio(f); err != nil {
			return fmt.Errorf("network %s: %s: %w", s.safe, err, ErrCorrupt)
		}
	}
	if err := d.src.BuffersrcAddFrame(f, astiav.NewBuffersrcFlags(astiav.BuffersrcFlagKeepRef)); err != nil {
		return nil // a frame the graph does not take (format change): skip
	}
	return s.pullAudio(ctx, d, audio)
}

func (s *Source) pullAudio(ctx context.Context, d *demuxer, audio chan<- *media.AudioFrame) error {
	for {
		d.afr.Unref()
		if err := d.sink.BuffersinkGetFrame(d.afr, astiav.NewBuffersinkFlags()); err != nil {
			return nil // EAGAIN or EOF
		}
		data := audioBytes(d.afr)
		n := d.afr.NbSamples()
		d.afr.Unref()
		if n <= 0 {
			continue
		}
		af := &media.AudioFrame{Format: media.SampleS16, SampleRate: SampleRate, Channels: Channels,
			Samples: n, Data: data, Start: s.aSamples, PTS: s.aOrigin + media.SamplesToDuration(s.aSamples, SampleRate)}
		s.aSamples += int64(n)
		if audio != nil {
			select {
			case audio <- af:
			case <-ctx.Done():
				return errStop
			case <-s.closing:
				return errStop
			}
		}
		s.framesA.Add(1)
	}
}

// timeline maps input PTS to session-clock PTS, continuous across jumps.
type timeline struct {
	started bool
	offset  time.Duration // out = in + offset
	lastIn  time.Duration
	lastOut time.Duration
	step    time.Duration // last normal PTS step
}

// next returns the output PTS for input PTS in (ok: in is known) and
// whether a discontinuity was smoothed over. force marks a known break
// (loop, reconnect).
func (t *timeline) next(in time.Duration, ok bool, now, nominal time.Duration, force bool) (time.Duration, bool) {
	if t.step <= 0 {
		t.step = nominal
	}
	if !t.started {
		t.started = true
		if !ok {
			in = 0
		}
		t.offset = now - in
		t.lastIn, t.lastOut = in, now
		return now, false
	}
	if !ok {
		in = t.lastIn + t.step
	}
	delta := in - t.lastIn
	var out time.Duration
	disc := false
	if force || delta <= 0 || delta > DiscontinuityThreshold {
		disc = true
		out = t.lastOut + t.step
		t.offset = out - in
	} else {
		out = in + t.offset
		t.step = delta
	}
	t.lastIn, t.lastOut = in, out
	return out, disc
}
