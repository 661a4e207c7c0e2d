package stream

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/interceptor/pkg/cc"
	"github.com/pion/interceptor/pkg/stats"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
	pmedia "github.com/pion/webrtc/v4/pkg/media"

	"github.com/onair-dev/onair/encode"
	"github.com/onair-dev/onair/internal/avlog"
	"github.com/onair-dev/onair/media"
	"github.com/onair-dev/onair/stream/rtc"
	"github.com/onair-dev/onair/telemetry/netstats"
)

// WHIPOptions configure a WHIP publisher (RFC 9725).
type WHIPOptions struct {
	Token string // bearer token; never logged
	// Timeout bounds each HTTP exchange; ICETimeout the media connection.
	Timeout, ICETimeout time.Duration
	// VideoCodec is h264 (default) or vp8.
	VideoCodec string
	// MinBitrate and MaxBitrate bound congestion control (bits/s of video).
	MinBitrate, MaxBitrate int
	// DropRate drops that fraction of outgoing RTP: tests and debugging only.
	DropRate float64
	// Reconnect: after the server drops the session, try again with
	// back-off from 1 s up to 30 s. Off by default for tests of failures.
	Reconnect bool
	Log       *slog.Logger
	Client    *http.Client
}

// WHIP publishes over WebRTC to a WHIP endpoint.
type WHIP struct {
	endpoint *url.URL
	opts     WHIPOptions
	name     string
	log      *slog.Logger
	http     *http.Client

	kf     encode.KeyframeRequester
	br     encode.BitrateSetter
	notify func(string, error)

	streams []media.StreamInfo
	series  *netstats.Series
	drops   func() uint64
	started time.Time
	sess    atomic.Pointer[whipSession]
	lastFIR atomic.Int64 // unix nanos of the last FIR honoured
	iceMu   sync.Mutex
	ice     []webrtc.ICEServer // from the server's Link headers
	stats   WHIPStats
	aborted atomic.Bool
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	closed  sync.Once
}

// WHIPStats are the publisher's counters (telemetry reads them).
type WHIPStats struct {
	PLI, FIR, KeyframesAsked, Reconnects, ICERestarts atomic.Uint64
	TargetBitrate                                     atomic.Int64
}

// whipSession is one WebRTC session with the server: an API (socket), a
// peer connection and its tracks, and the resource URL to DELETE.
type whipSession struct {
	api          *rtc.API
	pc           *webrtc.PeerConnection
	video        *webrtc.TrackLocalStaticSample
	audio        *webrtc.TrackLocalStaticSample
	resource     string
	failed       chan struct{} // closed when this session is given up
	failOnce     sync.Once
	lost         chan struct{} // signalled when ICE/DTLS connectivity is lost
	closedByPeer atomic.Bool
	stats        atomic.Pointer[stats.Getter]
	est          atomic.Pointer[cc.BandwidthEstimator]
	videoSSRC    webrtc.SSRC
}

// NewWHIP checks the endpoint URL; nothing connects until Open.
func NewWHIP(endpoint string, opts WHIPOptions) (*WHIP, error) {
	safe := safeURL(endpoint)
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("output %s: want an http(s):// WHIP endpoint: %w", safe, ErrBadURL)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("output %s: bad port %q: %w", safe, p, ErrBadURL)
		}
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.ICETimeout <= 0 {
		opts.ICETimeout = DefaultTimeout
	}
	switch opts.VideoCodec {
	case "":
		opts.VideoCodec = "h264"
	case "h264", "vp8":
	default:
		return nil, fmt.Errorf("output %s: WHIP video codec %q: want h264 or vp8: %w", safe, opts.VideoCodec, ErrUnsupportedCodec)
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	hc := opts.Client
	if hc == nil {
		hc = &http.Client{Timeout: opts.Timeout}
	}
	w := &WHIP{endpoint: u, opts: opts, name: "whip " + safe, log: opts.Log, http: hc, series: netstats.NewSeries(0)}
	w.ctx, w.cancel = context.WithCancel(context.Background())
	return w, nil
}

func (w *WHIP) Name() string { return w.name }

// Want asks for Opus, browser-safe H.264 (or VP8) and an encoder of its own.
func (w *WHIP) Want() Want {
	return Want{VideoCodec: w.opts.VideoCodec, H264Profile: "baseline", AudioCodec: "opus", RateControl: encode.VBR, OwnEncoder: true}
}

func (w *WHIP) SetFeedback(kf encode.KeyframeRequester, br encode.BitrateSetter) { w.kf, w.br = kf, br }
func (w *WHIP) SetNotify(f func(string, error))                                  { w.notify = f }

// Stats are the publisher's live counters.
func (w *WHIP) Stats() *WHIPStats { return &w.stats }

// Open connects: offer, POST, answer, ICE. It fails with a typed error.
func (w *WHIP) Open(ctx context.Context, streams []media.StreamInfo) error {
	for _, s := range streams {
		if _, ok := rtc.Capability(s.Codec); !ok {
			return fmt.Errorf("%s cannot carry %s (WebRTC here takes h264, vp8, opus): %w", w.name, s.Codec, ErrUnsupportedCodec)
		}
	}
	w.streams = streams
	// Abort (or Close) cancels a connect in progress, not just later writes.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(w.ctx, cancel)
	defer stop()
	s, err := w.connect(ctx)
	if err != nil {
		return err
	}
	w.started = time.Now()
	w.sess.Store(s)
	w.wg.Add(2)
	go w.watch()
	go w.sampleLoop(s)
	return nil
}

func (w *WHIP) connect(ctx context.Context) (*whipSession, error) {
	s := &whipSession{failed: make(chan struct{}), lost: make(chan struct{}, 1)}
	bind := ""
	if ip := net.ParseIP(w.endpoint.Hostname()); (ip != nil && ip.IsLoopback()) || w.endpoint.Hostname() == "localhost" {
		bind = "127.0.0.1" // media stays on loopback too
	}
	minBR, maxBR := w.opts.MinBitrate, w.opts.MaxBitrate
	for _, st := range w.streams {
		if st.Kind == media.KindVideo && maxBR == 0 {
			maxBR = int(st.BitRate)
		}
	}
	if minBR <= 0 {
		minBR = max(maxBR/10, 100_000)
	}
	api, err := rtc.NewAPI(rtc.Config{
		BindIP: bind, MinBitrate: minBR, InitialBitrate: maxBR, MaxBitrate: maxBR, DropRate: w.opts.DropRate,
		OnEstimator: func(e cc.BandwidthEstimator) {
			s.est.Store(&e)
			e.OnTargetBitrateChange(func(bps int) {
				w.stats.TargetBitrate.Store(int64(bps))
				if w.br != nil {
					w.br.SetTargetBitrate(bps)
				}
			})
		},
		OnStats: func(g stats.Getter) { s.stats.Store(&g) },
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %v: %w", w.name, err, ErrICE)
	}
	s.api = api
	fail := func(err error) (*whipSession, error) { s.close(); return nil, err }
	w.iceMu.Lock()
	iceServers := w.ice
	w.iceMu.Unlock()
	s.pc, err = api.NewPeerConnection(webrtc.Configuration{ICEServers: iceServers})
	if err != nil {
		return fail(fmt.Errorf("%s: %v: %w", w.name, err, ErrICE))
	}
	s.pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		switch st {
		case webrtc.PeerConnectionStateClosed: // the server closed DTLS: the session is over
			s.closedByPeer.Store(true)
			s.giveUp()
		case webrtc.PeerConnectionStateDisconnected, webrtc.PeerConnectionStateFailed:
			select { // the watcher tries an ICE restart first
			case s.lost <- struct{}{}:
			default:
			}
		}
	})
	for _, st := range w.streams {
		capab, _ := rtc.Capability(st.Codec)
		track, err := webrtc.NewTrackLocalStaticSample(capab, st.Kind.String(), "onair")
		if err != nil {
			return fail(fmt.Errorf("%s: %v: %w", w.name, err, ErrUnsupportedCodec))
		}
		tr, err := s.pc.AddTransceiverFromTrack(track, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
		if err != nil {
			return fail(fmt.Errorf("%s: %v: %w", w.name, err, ErrUnsupportedCodec))
		}
		if st.Kind == media.KindVideo {
			s.video = track
		} else {
			s.audio = track
		}
		w.wg.Add(1)
		go w.readRTCP(tr.Sender())
	}
	offer, err := s.pc.CreateOffer(nil)
	if err != nil {
		return fail(fmt.Errorf("%s: offer: %v: %w", w.name, err, ErrICE))
	}
	// One socket, host candidates only: gathering is quick.
	local, err := rtc.SetLocalComplete(ctx, s.pc, offer, w.opts.ICETimeout)
	switch {
	case errors.Is(err, rtc.ErrGatherTimeout):
		return fail(fmt.Errorf("%s: ICE gathering took over %v: %w", w.name, w.opts.ICETimeout, ErrICE))
	case err != nil && ctx.Err() != nil:
		return fail(ctx.Err())
	case err != nil:
		return fail(fmt.Errorf("%s: %v: %w", w.name, err, ErrICE))
	}
	answer, resource, err := w.post(ctx, local)
	if err != nil {
		return fail(err)
	}
	s.resource = resource
	if err := checkAnswer(answer); err != nil {
		w.deleteResource(resource)
		return fail(fmt.Errorf("%s: %v: %w", w.name, err, ErrBadAnswer))
	}
	if err := s.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		w.deleteResource(resource)
		if errors.Is(err, webrtc.ErrUnsupportedCodec) || strings.Contains(err.Error(), "codec") {
			return fail(fmt.Errorf("%s: %v: %w", w.name, err, ErrNoCommonCodec))
		}
		return fail(fmt.Errorf("%s: %v: %w", w.name, err, ErrBadAnswer))
	}
	if err := commonCodecs(s.pc); err != nil {
		w.deleteResource(resource)
		return fail(fmt.Errorf("%s: %v: %w", w.name, err, ErrNoCommonCodec))
	}
	connected := make(chan struct{})
	var once sync.Once
	s.pc.OnICEConnectionStateChange(func(st webrtc.ICEConnectionState) {
		if st == webrtc.ICEConnectionStateConnected || st == webrtc.ICEConnectionStateCompleted {
			once.Do(func() { close(connected) })
		}
	})
	if st := s.pc.ICEConnectionState(); st == webrtc.ICEConnectionStateConnected {
		once.Do(func() { close(connected) })
	}
	select {
	case <-connected:
	case <-time.After(w.opts.ICETimeout):
		w.deleteResource(resource)
		return fail(fmt.Errorf("%s: no media path to the server within %v: %w", w.name, w.opts.ICETimeout, ErrICE))
	case <-ctx.Done():
		w.deleteResource(resource)
		return fail(ctx.Err())
	case <-w.ctx.Done():
		w.deleteResource(resource)
		return fail(fmt.Errorf("%s: %w", w.name, ErrClosed))
	}
	s.videoSSRC = videoSSRC(s.pc)
	if w.kf != nil {
		w.kf.RequestKeyframe() // the receiver starts on a keyframe
	}
	return s, nil
}

// checkAnswer rejects bodies that are not an SDP with media before pion
// sees them, so the error says what was wrong.
func checkAnswer(sdp string) error {
	if !strings.HasPrefix(strings.TrimSpace(sdp), "v=0") {
		return errors.New("the answer is not SDP")
	}
	if !strings.Contains(sdp, "m=") {
		return errors.New("the answer has no media section")
	}
	if !strings.Contains(sdp, "a=rtpmap:") {
		return errors.New("the answer names no codec")
	}
	return nil
}

// commonCodecs fails if a sending transceiver ended up with no codec.
func commonCodecs(pc *webrtc.PeerConnection) error {
	for _, tr := range pc.GetTransceivers() {
		if tr.Sender() == nil {
			continue
		}
		if len(tr.Sender().GetParameters().Codecs) == 0 || tr.Direction() == webrtc.RTPTransceiverDirectionInactive {
			return fmt.Errorf("the server accepts none of the offered %s codecs", tr.Kind())
		}
	}
	return nil
}

func (w *WHIP) post(ctx context.Context, offer string) (answer, resource string, err error) {
	ctx, cancel := context.WithTimeout(ctx, w.opts.Timeout)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, w.endpoint.String(), strings.NewReader(offer))
	req.Header.Set("Content-Type", "application/sdp")
	if w.opts.Token != "" {
		req.Header.Set("Authorization", "Bearer "+w.opts.Token)
	}
	resp, err := w.http.Do(req)
	if err != nil {
		var ne net.Error
		switch {
		case errors.As(err, &ne) && ne.Timeout(), errors.Is(err, context.DeadlineExceeded):
			return "", "", fmt.Errorf("%s: no answer within %v: %w", w.name, w.opts.Timeout, ErrTimeout)
		}
		return "", "", fmt.Errorf("%s: %s: %w", w.name, avlog.Redact(err.Error()), ErrConnect)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", "", fmt.Errorf("%s: reading answer: %v: %w", w.name, err, ErrProtocol)
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return "", "", fmt.Errorf("%s: HTTP %d: check the token: %w", w.name, resp.StatusCode, ErrUnauthorized)
	case resp.StatusCode == http.StatusNotFound:
		return "", "", fmt.Errorf("%s: HTTP 404: check the endpoint URL: %w", w.name, ErrNotFound)
	case resp.StatusCode >= 500:
		return "", "", fmt.Errorf("%s: HTTP %d: %w", w.name, resp.StatusCode, ErrServer)
	case resp.StatusCode != http.StatusCreated:
		return "", "", fmt.Errorf("%s: HTTP %d, want 201 Created: %w", w.name, resp.StatusCode, ErrProtocol)
	}
	loc := resp.Header.Get("Location")
	if loc == "" {
		return "", "", fmt.Errorf("%s: 201 without a Location header: %w", w.name, ErrProtocol)
	}
	ref, err := url.Parse(loc)
	if err != nil {
		return "", "", fmt.Errorf("%s: bad Location header: %w", w.name, ErrProtocol)
	}
	if servers := iceServersFromLinks(resp.Header); len(servers) > 0 {
		w.iceMu.Lock()
		w.ice = servers
		w.iceMu.Unlock()
	}
	return string(body), w.endpoint.ResolveReference(ref).String(), nil
}

// deleteResource ends the session on the server (best effort, bounded).
func (w *WHIP) deleteResource(resource string) {
	if resource == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodDelete, resource, nil)
	if w.opts.Token != "" {
		req.Header.Set("Authorization", "Bearer "+w.opts.Token)
	}
	if resp, err := w.http.Do(req); err == nil {
		resp.Body.Close()
	}
}

// readRTCP turns PLI and FIR into keyframe requests: PLIs coalesce in the
// encoder's flag; FIRs are honoured at most once per second.
func (w *WHIP) readRTCP(sender *webrtc.RTPSender) {
	defer w.wg.Done()
	for {
		pkts, _, err := sender.ReadRTCP()
		if err != nil {
			return
		}
		for _, p := range pkts {
			switch p.(type) {
			case *rtcp.PictureLossIndication:
				w.stats.PLI.Add(1)
				w.askKeyframe()
			case *rtcp.FullIntraRequest:
				w.stats.FIR.Add(1)
				now := time.Now().UnixNano()
				last := w.lastFIR.Load()
				if now-last >= int64(time.Second) && w.lastFIR.CompareAndSwap(last, now) {
					w.askKeyframe()
				}
			}
		}
	}
}

func (w *WHIP) askKeyframe() {
	w.stats.KeyframesAsked.Add(1)
	if w.kf != nil {
		w.kf.RequestKeyframe()
	}
}

// watch reconnects with back-off when the server drops the session.
func (w *WHIP) watch() {
	defer w.wg.Done()
	backoff := time.Second
	for {
		s := w.sess.Load()
		if s == nil {
			return
		}
		select {
		case <-w.ctx.Done():
			return
		case <-s.failed:
		case <-s.lost:
			if w.restartOrGiveUp(s) {
				continue // same session, new network path
			}
		}
		err := fmt.Errorf("%s: the server ended the session: %w", w.name, ErrDisconnected)
		if w.notify != nil {
			w.notify("disconnected", err)
		}
		if !w.opts.Reconnect {
			return
		}
		for {
			select {
			case <-w.ctx.Done():
				return
			case <-time.After(backoff):
			}
			ns, err := w.connect(w.ctx)
			if err == nil {
				if !w.sess.CompareAndSwap(s, ns) { // Close took the session meanwhile
					w.deleteResource(ns.resource)
					ns.close()
					return
				}
				s.close()
				w.wg.Add(1)
				go w.sampleLoop(ns)
				w.stats.Reconnects.Add(1)
				backoff = time.Second
				if w.notify != nil {
					w.notify("live", nil)
				}
				break
			}
			w.log.Warn("reconnect failed", "output", w.name, "err", err, "retry_in", backoff)
			backoff = min(2*backoff, 30*time.Second)
		}
	}
}

// WritePacket sends one access unit as a sample. H.264 keyframes carry
// SPS/PPS in-band (from the encoder's global header), as browsers need.
func (w *WHIP) WritePacket(p *media.Packet) error {
	s := w.sess.Load()
	if s == nil || w.aborted.Load() {
		return fmt.Errorf("%s: %w", w.name, ErrClosed)
	}
	select {
	case <-s.failed:
		if !w.opts.Reconnect {
			return fmt.Errorf("%s: the server ended the session: %w", w.name, ErrDisconnected)
		}
		return nil // reconnecting: drop until back
	default:
	}
	var track *webrtc.TrackLocalStaticSample
	var info media.StreamInfo
	for _, st := range w.streams {
		if st.Kind == p.Kind {
			info = st
		}
	}
	data := p.Data
	if p.Kind == media.KindVideo {
		track = s.video
		if p.Keyframe && info.Codec == "h264" && len(info.ExtraData) > 0 && !bytes.HasPrefix(data, info.ExtraData) {
			data = append(append([]byte(nil), info.ExtraData...), data...)
		}
	} else {
		track = s.audio
	}
	if track == nil {
		return nil
	}
	dur := p.TimeBase.Duration(p.Duration)
	if dur <= 0 {
		if p.Kind == media.KindVideo && info.FrameRate.Num > 0 {
			dur = time.Second * time.Duration(info.FrameRate.Den) / time.Duration(info.FrameRate.Num)
		} else {
			dur = 20 * time.Millisecond
		}
	}
	if err := track.WriteSample(pmedia.Sample{Data: data, Duration: dur}); err != nil && !errors.Is(err, io.ErrClosedPipe) {
		if w.opts.Reconnect {
			return nil // the path is down: the watcher restarts or reconnects; drop meanwhile
		}
		return fmt.Errorf("%s: %v: %w", w.name, err, ErrDisconnected)
	}
	return nil
}

// StatsGetter exposes the current session's interceptor stats, if any.
func (w *WHIP) StatsGetter() (stats.Getter, *webrtc.PeerConnection) {
	s := w.sess.Load()
	if s == nil {
		return nil, nil
	}
	g := s.stats.Load()
	if g == nil {
		return nil, s.pc
	}
	return *g, s.pc
}

// Blackhole drops every packet onair sends or receives on this output's socket (RTP,
// RTCP, STUN) while on: a network that vanished, for tests and debugging.
// It works only where the output has its own loss layer (DropRate > 0).
func (w *WHIP) Blackhole(on bool) {
	if s := w.sess.Load(); s != nil {
		s.api.Blackhole(on)
	}
}

// Impairment reports RTP packets seen and dropped by the test loss layer.
func (w *WHIP) Impairment() (sent, dropped uint64) {
	if s := w.sess.Load(); s != nil {
		return s.api.Impairment()
	}
	return 0, 0
}

// Abort stops reconnecting and makes writes fail fast.
func (w *WHIP) Abort() {
	w.aborted.Store(true)
	w.cancel()
}

// Close ends the session on the server (DELETE), closes the peer connection
// and its socket, and waits for its goroutines. Idempotent.
func (w *WHIP) Close() error {
	w.closed.Do(func() {
		w.cancel()
		if s := w.sess.Swap(nil); s != nil {
			w.deleteResource(s.resource)
			s.close()
		}
		w.wg.Wait()
	})
	return nil
}

// giveUp marks the session dead (writes stop; the watcher reconnects).
func (s *whipSession) giveUp() { s.failOnce.Do(func() { close(s.failed) }) }

func (s *whipSession) close() {
	if s.pc != nil {
		s.pc.Close()
	}
	if s.api != nil {
		s.api.Close()
	}
}
