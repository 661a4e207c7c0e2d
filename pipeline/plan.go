package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/onair-dev/onair/capture"
	"github.com/onair-dev/onair/capture/devices"
	"github.com/onair-dev/onair/capture/network"
	"github.com/onair-dev/onair/capture/testpattern"
	"github.com/onair-dev/onair/encode"
	"github.com/onair-dev/onair/filters"
	"github.com/onair-dev/onair/media"
	"github.com/onair-dev/onair/stream"
	"github.com/onair-dev/onair/stream/server"
)

// VideoSettings and AudioSettings are the encoder settings a plan carries.
type (
	VideoSettings = encode.VideoConfig
	AudioSettings = encode.AudioConfig
)

// DefaultVideo and DefaultAudio are the settings onair starts from.
func DefaultVideo() VideoSettings { return encode.DefaultVideo() }
func DefaultAudio() AudioSettings { return encode.DefaultAudio() }

// Plan is one go-live in the words people use: the CLI's flags and the
// GUI's fields both become a Plan, so both reject the same mistakes with
// the same sentences.
type Plan struct {
	// Source: "testpattern" (default), "camera", "screen", a media file, or
	// an rtmp://, http(s)://….m3u8, srt://, rtsp:// URL.
	Source string
	Device string // camera or screen label; empty: the first
	// Microphone adds sound to a camera or screen: a label, "default", or
	// empty for none.
	Microphone string
	Loop       bool // file source: start again at the end
	// KeepInputSize and KeepInputRate use a pulled input's own size and
	// frame rate instead of Video's (the CLI sets each when --size or
	// --fps is not given).
	KeepInputSize, KeepInputRate bool
	AVOffset                     time.Duration // test pattern: beep shifted against the flash
	Unpaced                      bool          // test pattern: as fast as the encoder goes
	// Duration stops the go-live after this long (test pattern: an exact
	// frame count). 0: until Stop.
	Duration time.Duration

	Video VideoSettings
	Audio AudioSettings

	// Outputs: "local" (the built-in server), https://…/whip, rtmp(s)://…,
	// record:file.mkv|mp4.
	Outputs []string
	Token   string // WHIP bearer token
	// OutputTokens, where set and not empty, give output i its own token.
	OutputTokens []string
	Timeout      time.Duration
	WebRTCCodec  string // h264 (default) or vp8
	MinBitrate   int    // lowest bitrate congestion control may choose
	// Server is the built-in server "local" publishes to. Nil: Prepare
	// starts one on ServerAddr and the Prepared owns it.
	Server     *LocalServer
	ServerAddr string

	Filters     []string
	FilterStage bool // run the stage even with no filters, for live changes
	NoFilters   bool // never run the stage

	Log     *slog.Logger
	OnEvent func(Event)
	// OnInputEvent hears a pulled input's reconnects and discontinuities.
	OnInputEvent func(string)
}

// SettingError is a mistake in a Plan: a person's input, not a failure of
// the machine. Field names what to fix ("size", "source", "output 2", …).
type SettingError struct {
	Field string
	Err   error
}

func (e *SettingError) Error() string { return e.Err.Error() }
func (e *SettingError) Unwrap() error { return e.Err }

func bad(field string, err error) error { return &SettingError{Field: field, Err: err} }

// LocalServer is the built-in WHIP/WHEP server with its viewer page.
type LocalServer = server.Server

// DefaultServerAddr is where the built-in server listens unless told.
const DefaultServerAddr = server.DefaultAddr

// StartLocalServer starts the built-in server; off loopback a token is
// required and generated when empty.
func StartLocalServer(addr, token string, log *slog.Logger) (*LocalServer, error) {
	return server.Start(server.Config{Addr: addr, Token: token, Log: log})
}

// Prepared is a planned go-live with its source, outputs and session made
// but not started. It owns all of them: Close releases everything.
type Prepared struct {
	Session *Session
	// Servers are the built-in servers Prepare started (none when the
	// plan brought its own).
	Servers []*LocalServer
	// Outputs are the outputs' display names (keys redacted), in plan order.
	Outputs []string
	// StopAfter, when set, is when the caller should Stop a pulled input
	// (the test pattern stops itself after Duration).
	StopAfter time.Duration
	// Live: the source runs on its own clock (camera, real-time pattern, URL).
	Live bool
	// Timeout is the connect/write timeout in force for network outputs.
	Timeout time.Duration

	src     capture.Source
	sinks   []stream.Sink
	started bool
}

// Prepare checks p, opens the source and the outputs and builds the
// session. A *SettingError means p is wrong; other errors are the
// machine's (no camera, an input that does not answer, …).
func Prepare(p Plan) (*Prepared, error) {
	if p.Log == nil {
		p.Log = slog.Default()
	}
	if p.Timeout <= 0 {
		p.Timeout = stream.DefaultTimeout
	}
	if p.WebRTCCodec == "" {
		p.WebRTCCodec = "h264"
	}
	if p.MinBitrate <= 0 {
		p.MinBitrate = 300_000
	}
	if p.ServerAddr == "" {
		p.ServerAddr = server.DefaultAddr
	}
	if p.WebRTCCodec != "h264" && p.WebRTCCodec != "vp8" {
		return nil, bad("webrtc codec", fmt.Errorf("WebRTC codec %q: want h264 or vp8", p.WebRTCCodec))
	}
	if p.Duration < 0 {
		return nil, bad("duration", fmt.Errorf("duration %v is negative", p.Duration))
	}
	if p.NoFilters && len(p.Filters) > 0 {
		return nil, bad("filters", errors.New("--filter and --no-filter-stage contradict each other"))
	}
	if err := p.Video.Validate(); err != nil {
		return nil, bad("video", err)
	}
	if err := p.Audio.Validate(); err != nil {
		return nil, bad("audio", err)
	}
	outs := p.Outputs
	if len(outs) == 0 {
		outs = []string{"local"}
	}

	pr := &Prepared{Timeout: p.Timeout}
	ok := false
	defer func() {
		if !ok {
			pr.Close()
		}
	}()
	var err error
	if pr.src, pr.StopAfter, err = openSource(&p); err != nil {
		return nil, err
	}
	pr.Live = pr.src.Info().Live
	vcfg := p.Video
	for i, spec := range outs {
		token := p.Token
		if i < len(p.OutputTokens) && p.OutputTokens[i] != "" {
			token = p.OutputTokens[i]
		}
		opts := []stream.Option{stream.WithTimeout(p.Timeout), stream.WithToken(token), stream.WithWebRTCVideo(p.WebRTCCodec, p.MinBitrate)}
		if spec == "local" {
			srv := p.Server
			if srv == nil {
				if srv, err = StartLocalServer(p.ServerAddr, p.Token, p.Log); err != nil {
					return nil, err
				}
				pr.Servers = append(pr.Servers, srv)
			}
			tok, _ := srv.Token()
			spec = srv.WHIPURL()
			opts = append(opts, stream.WithToken(tok))
		}
		sk, err := stream.Parse(spec, opts...)
		if err == nil {
			v, a := vcfg, p.Audio
			if w, ok := sk.(stream.Wanter); ok {
				v, a = Adapt(v, a, w.Want())
			}
			if err = stream.CheckCodecs(sk, encode.CodecOf(v.Encoder), encode.CodecOf(a.Encoder)); err != nil {
				sk.Close()
			}
		}
		if err != nil {
			return nil, bad(fmt.Sprintf("output %d", i+1), err)
		}
		pr.sinks = append(pr.sinks, sk)
		pr.Outputs = append(pr.Outputs, sk.Name())
	}
	// With a built-in server, filters can change live (from the GUI or a
	// second terminal), so the stage runs from the start.
	local := len(pr.Servers) > 0 || p.Server != nil
	stage := (local || p.FilterStage || len(p.Filters) > 0) && !p.NoFilters
	sess, err := New(Config{Source: pr.src, Video: p.Video, Audio: p.Audio, Sinks: pr.sinks, Log: p.Log,
		Filters: p.Filters, FilterStage: stage, OnEvent: p.OnEvent})
	if err != nil {
		if errors.Is(err, filters.ErrUnknownFilter) || errors.Is(err, filters.ErrBadParam) || errors.Is(err, filters.ErrBadImage) {
			return nil, bad("filters", err)
		}
		return nil, err
	}
	pr.Session = sess
	ok = true
	return pr, nil
}

// openSource makes the plan's source; for a pulled input it may adopt the
// input's size and rate into p.Video.
func openSource(p *Plan) (capture.Source, time.Duration, error) {
	v := &p.Video
	switch p.Source {
	case "testpattern", "":
		opts := []testpattern.Option{
			testpattern.WithSize(v.Width, v.Height), testpattern.WithFrameRate(v.FPS),
			testpattern.WithAVOffset(p.AVOffset), testpattern.WithRealTime(!p.Unpaced),
		}
		if p.Duration > 0 {
			// An exact frame count, so a 10 s run is 300 frames at 30 fps.
			opts = append(opts, testpattern.WithLimit(int(p.Duration*time.Duration(v.FPS)/time.Second)))
		}
		src, err := testpattern.New(opts...)
		if err != nil {
			return nil, 0, bad("source", err)
		}
		return src, 0, nil
	case "camera", "screen":
		clock := devices.WithClock(media.NewWallClock()) // one clock for picture and sound
		var src capture.Source
		var err error
		if p.Source == "camera" {
			src, err = devices.OpenCamera(p.Device, v.Width, v.Height, v.FPS, clock)
		} else {
			src, err = devices.OpenScreen(p.Device, v.FPS, clock)
		}
		if err != nil || p.Microphone == "" {
			return src, 0, err
		}
		id := p.Microphone
		if id == "default" {
			id = ""
		}
		mic, err := devices.OpenMicrophone(id, clock)
		if err != nil {
			src.Close()
			return nil, 0, err
		}
		return capture.Combine(src, mic), 0, nil
	}
	live := strings.Contains(p.Source, "://")
	opts := []network.Option{network.WithRealTime(true), network.WithTimeout(p.Timeout)}
	if live {
		opts = append(opts, network.WithReconnect(true), network.WithOnEvent(func(ev network.Event) {
			p.Log.Info("input", "event", ev.Kind.String())
			if p.OnInputEvent != nil {
				p.OnInputEvent(ev.Kind.String())
			}
		}))
	} else if p.Loop {
		opts = append(opts, network.WithLoop(true))
	}
	ns, err := network.New(p.Source, opts...)
	if err != nil {
		return nil, 0, err
	}
	if in := ns.Info().Video; in != nil {
		if p.KeepInputRate && in.FrameRate.Num > 0 && in.FrameRate.Den > 0 {
			v.FPS = max(1, (in.FrameRate.Num+in.FrameRate.Den/2)/in.FrameRate.Den)
		}
		if p.KeepInputSize && in.Width >= 16 && in.Height >= 16 {
			v.Width, v.Height = in.Width&^1, in.Height&^1
		}
	}
	return ns, p.Duration, nil // no frame limit on a pulled input: stop by time
}

// Start starts the session and lets the built-in servers change its
// filters. On failure everything is released.
func (pr *Prepared) Start(ctx context.Context) error {
	if err := pr.Session.Start(ctx); err != nil {
		pr.closeSinks()
		if errors.Is(err, encode.ErrUnknownEncoder) {
			return bad("encoder", err) // a typo in the encoder name is the person's
		}
		return err
	}
	pr.started = true
	for _, srv := range pr.Servers {
		srv.HandleControl("filters", FiltersControl(pr.Session))
	}
	return nil
}

// closeSinks closes outputs a session never ran (a running session closes
// its own).
func (pr *Prepared) closeSinks() {
	for _, s := range pr.sinks {
		s.Close()
	}
	pr.sinks = nil
}

// Close stops the session if it runs and releases the source, the outputs
// and the servers Prepare started. Safe to call more than once.
func (pr *Prepared) Close() {
	if pr.Session != nil && pr.started {
		pr.Session.Stop()
	} else {
		pr.closeSinks()
	}
	if pr.src != nil {
		pr.src.Close()
		pr.src = nil
	}
	for _, srv := range pr.Servers {
		srv.Close()
	}
	pr.Servers = nil
}

// ParseSize reads WIDTHxHEIGHT.
func ParseSize(s string) (int, int, error) {
	ws, hs, ok := strings.Cut(strings.ToLower(strings.TrimSpace(s)), "x")
	w, err1 := strconv.Atoi(ws)
	h, err2 := strconv.Atoi(hs)
	if !ok || err1 != nil || err2 != nil || w <= 0 || h <= 0 {
		return 0, 0, bad("size", fmt.Errorf("size %q: want WIDTHxHEIGHT such as 1280x720", s))
	}
	return w, h, nil
}

// ParseBitrate reads 2500000, 2500k or 2.5M.
func ParseBitrate(s string) (int, error) {
	mult := 1.0
	t := strings.ToLower(strings.TrimSpace(s))
	switch {
	case strings.HasSuffix(t, "k"):
		mult, t = 1e3, strings.TrimSuffix(t, "k")
	case strings.HasSuffix(t, "m"):
		mult, t = 1e6, strings.TrimSuffix(t, "m")
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || v <= 0 {
		return 0, bad("bitrate", fmt.Errorf("bitrate %q: want a number such as 2500k or 6M", s))
	}
	return int(v * mult), nil
}
