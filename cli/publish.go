package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/onair-dev/onair/capture"
	"github.com/onair-dev/onair/capture/devices"
	"github.com/onair-dev/onair/capture/network"
	"github.com/onair-dev/onair/capture/testpattern"
	"github.com/onair-dev/onair/encode"
	"github.com/onair-dev/onair/filters"
	"github.com/onair-dev/onair/pipeline"
	"github.com/onair-dev/onair/stream"
	"github.com/onair-dev/onair/stream/server"
)

// outFlags collects repeated --out values.
type outFlags []string

func (o *outFlags) String() string     { return strings.Join(*o, ",") }
func (o *outFlags) Set(v string) error { *o = append(*o, v); return nil }

func runPublish(e *env, args []string) error {
	fs := newFlags(e, "publish")
	source := fs.String("source", "testpattern", "what to send: testpattern, camera, screen, a media file, or an rtmp://, http(s)://….m3u8, srt://, rtsp:// URL")
	loop := fs.Bool("loop", false, "file source: start again at the end")
	device := fs.String("device", "", "camera or screen to use (label from 'onair devices'; empty: the first)")
	size := fs.String("size", "1280x720", "video size WIDTHxHEIGHT")
	fps := fs.Int("fps", 30, "frames per second")
	avOffset := fs.Duration("av-offset", 0, "test pattern: shift the beep against the flash (+ = audio early)")
	realtime := fs.Bool("realtime", true, "test pattern: pace frames in real time (false: as fast as the encoder goes)")
	encoder := fs.String("encoder", "libx264", "video encoder (see 'onair encoders'), or auto")
	bitrate := fs.String("bitrate", "2500k", "video bitrate, e.g. 2500k or 6M")
	keyint := fs.Duration("keyint", 2*time.Second, "keyframe interval")
	preset := fs.String("preset", "veryfast", "encoder preset (x264 names)")
	tune := fs.String("tune", "zerolatency", "encoder tune (empty for none)")
	profile := fs.String("profile", "high", "H.264 profile: baseline, main, high")
	rc := fs.String("rc", "cbr", "rate control: cbr or vbr")
	audioEnc := fs.String("audio-encoder", "aac", "audio encoder: aac or libopus")
	audioRate := fs.String("audio-bitrate", "160k", "audio bitrate")
	duration := fs.Duration("duration", 0, "stop after this long (0: until Ctrl-C)")
	timeout := fs.Duration("timeout", stream.DefaultTimeout, "connect and write timeout for network outputs")
	token := fs.String("token", "", "bearer token for WHIP outputs (default: $"+tokenEnv+")")
	serverAddr := fs.String("server-addr", server.DefaultAddr, "address of the built-in server for --out local")
	webrtcCodec := fs.String("webrtc-codec", "h264", "video codec for WebRTC outputs: h264 (constrained baseline) or vp8")
	minBitrate := fs.String("min-bitrate", "300k", "lowest video bitrate congestion control may choose on WebRTC outputs")
	statsPath := fs.String("stats", "", "export WebRTC network stats to this .csv or .json file (rewritten every 5 s)")
	var filterSpecs outFlags
	fs.Var(&filterSpecs, "filter", "video filter, repeatable, in order: gray, blur:k=9, … (see 'onair filters list')")
	noFilters := fs.Bool("no-filter-stage", false, "do not run the filter stage (saves its colour conversions; filters cannot be switched on live)")
	var outs outFlags
	fs.Var(&outs, "out", "output, repeatable: local (built-in server, the default), https://…/whip, rtmp://host/app/key, rtmps://…, record:file.mkv|mp4")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (outputs go in --out): %w", fs.Arg(0), errUsage)
	}

	w, h, err := parseSize(*size)
	if err != nil {
		return err
	}
	vbr, err := parseBitrate(*bitrate)
	if err != nil {
		return err
	}
	abr, err := parseBitrate(*audioRate)
	if err != nil {
		return err
	}
	minBR, err := parseBitrate(*minBitrate)
	if err != nil {
		return err
	}
	if *webrtcCodec != "h264" && *webrtcCodec != "vp8" {
		return fmt.Errorf("--webrtc-codec %q: want h264 or vp8: %w", *webrtcCodec, errUsage)
	}
	vcfg := encode.DefaultVideo()
	vcfg.Encoder, vcfg.Width, vcfg.Height, vcfg.FPS, vcfg.Bitrate = *encoder, w, h, *fps, vbr
	vcfg.KeyframeInterval, vcfg.Preset, vcfg.Tune, vcfg.Profile = *keyint, *preset, *tune, *profile
	vcfg.RateControl = encode.RateControl(*rc)
	if err := vcfg.Validate(); err != nil {
		return fmt.Errorf("%v: %w", err, errUsage)
	}
	acfg := encode.DefaultAudio()
	acfg.Encoder, acfg.Bitrate = *audioEnc, abr
	if err := acfg.Validate(); err != nil {
		return fmt.Errorf("%v: %w", err, errUsage)
	}
	if ext := strings.ToLower(filepath.Ext(*statsPath)); *statsPath != "" && ext != ".csv" && ext != ".json" {
		return fmt.Errorf("--stats %q: want a .csv or .json file: %w", *statsPath, errUsage)
	}
	if *duration < 0 {
		return fmt.Errorf("duration %v is negative: %w", *duration, errUsage)
	}

	var src capture.Source
	var stopAt time.Duration
	switch *source {
	case "testpattern", "":
		opts := []testpattern.Option{
			testpattern.WithSize(w, h), testpattern.WithFrameRate(*fps),
			testpattern.WithAVOffset(*avOffset), testpattern.WithRealTime(*realtime),
		}
		if *duration > 0 {
			// An exact frame count, so a 10 s run is 300 frames at 30 fps.
			opts = append(opts, testpattern.WithLimit(int(*duration*time.Duration(*fps)/time.Second)))
		}
		src, err = testpattern.New(opts...)
		if err != nil {
			return fmt.Errorf("%v: %w", err, errUsage)
		}
	case "camera", "screen":
		var err error
		if *source == "camera" {
			src, err = devices.OpenCamera(*device, w, h, *fps)
		} else {
			src, err = devices.OpenScreen(*device, *fps)
		}
		if err != nil {
			return err
		}
	default:
		live := strings.Contains(*source, "://")
		nopts := []network.Option{network.WithRealTime(true), network.WithTimeout(*timeout)}
		if live {
			nopts = append(nopts, network.WithReconnect(true), network.WithOnEvent(func(ev network.Event) {
				e.log.Info("input", "event", ev.Kind.String())
			}))
		} else if *loop {
			nopts = append(nopts, network.WithLoop(true))
		}
		ns, err := network.New(*source, nopts...)
		if err != nil {
			return err
		}
		src = ns
		// Keep the input's size and rate unless asked otherwise.
		if v := ns.Info().Video; v != nil {
			if !flagSet(fs, "fps") && v.FrameRate.Num > 0 && v.FrameRate.Den > 0 {
				vcfg.FPS = max(1, (v.FrameRate.Num+v.FrameRate.Den/2)/v.FrameRate.Den)
			}
			if !flagSet(fs, "size") && v.Width >= 16 && v.Height >= 16 {
				vcfg.Width, vcfg.Height = v.Width&^1, v.Height&^1
			}
		}
		if *duration > 0 {
			stopAt = *duration // no frame limit on a pulled input: stop by time
		}
	}
	defer src.Close()

	if *token == "" {
		*token = os.Getenv(tokenEnv)
	}
	if len(outs) == 0 {
		outs = append(outs, "local")
	}
	var sinks []stream.Sink
	var srvs []*server.Server
	for _, spec := range outs {
		opts := []stream.Option{stream.WithTimeout(*timeout), stream.WithToken(*token), stream.WithWebRTCVideo(*webrtcCodec, minBR)}
		if spec == "local" {
			srv, err := startServer(e, *serverAddr, *token)
			if err != nil {
				for _, s := range sinks {
					s.Close()
				}
				return err
			}
			defer srv.Close()
			srvs = append(srvs, srv)
			tok, _ := srv.Token()
			spec = srv.WHIPURL()
			opts = append(opts, stream.WithToken(tok))
		}
		sk, err := stream.Parse(spec, opts...)
		if err == nil {
			v, a := vcfg, acfg
			if w, ok := sk.(stream.Wanter); ok {
				v, a = pipeline.Adapt(v, a, w.Want())
			}
			err = stream.CheckCodecs(sk, encode.CodecOf(v.Encoder), encode.CodecOf(a.Encoder))
		}
		if err != nil {
			for _, s := range sinks {
				s.Close()
			}
			return fmt.Errorf("%v: %w", err, errUsage)
		}
		sinks = append(sinks, sk)
	}

	// With the built-in server running, filters can be changed live from a
	// second terminal (onair filters set …), so the stage runs from the start.
	stage := (len(srvs) > 0 || len(filterSpecs) > 0) && !*noFilters
	if *noFilters && len(filterSpecs) > 0 {
		return fmt.Errorf("--filter and --no-filter-stage contradict each other: %w", errUsage)
	}
	sess, err := pipeline.New(pipeline.Config{Source: src, Video: vcfg, Audio: acfg, Sinks: sinks, Log: e.log,
		Filters: filterSpecs, FilterStage: stage})
	if err != nil {
		for _, s := range sinks {
			s.Close()
		}
		if errors.Is(err, filters.ErrUnknownFilter) || errors.Is(err, filters.ErrBadParam) || errors.Is(err, filters.ErrBadImage) {
			return fmt.Errorf("%v: %w", err, errUsage)
		}
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := sess.Start(ctx); err != nil {
		for _, s := range sinks {
			s.Close()
		}
		if errors.Is(err, encode.ErrUnknownEncoder) {
			return fmt.Errorf("%v: %w", err, errUsage) // a typo in --encoder is a command-line mistake
		}
		return err
	}
	for _, srv := range srvs { // after Start: the stage exists from here on
		srv.HandleControl("filters", filtersControl(sess))
	}
	for _, s := range sinks {
		e.log.Info("output", "to", s.Name())
	}
	if stopAt > 0 {
		t := time.AfterFunc(stopAt, func() { sess.Stop() })
		defer t.Stop()
	}
	if *duration > 0 && src.Info().Live {
		// The limit ends the source; this is a backstop for a stuck output.
		t := time.AfterFunc(*duration+stream.DefaultTimeout+5*time.Second, func() { sess.Stop() })
		defer t.Stop()
	}
	ticker := time.NewTicker(5 * time.Second)
	defer ticker.Stop()
	var runErr error
loop:
	for {
		select {
		case <-sess.Done():
			runErr = sess.Wait()
			break loop
		case <-ticker.C:
			report(e, sess.Stats(), false)
			if *statsPath != "" {
				if err := writeNetStats(*statsPath, sess); err != nil {
					e.log.Warn("stats export", "err", err)
				}
			}
		}
	}
	report(e, sess.Stats(), true)
	if *statsPath != "" {
		if err := writeNetStats(*statsPath, sess); err != nil {
			e.log.Error("stats export", "err", err)
		}
	}
	return runErr
}

func report(e *env, st pipeline.Stats, final bool) {
	msg := "live"
	if final {
		msg = "finished"
	}
	e.log.Info(msg, "captured", st.Captured, "encoded", st.Encoded, "dropped", st.Dropped)
	for _, enc := range st.Encoders {
		e.log.Info(msg, "encoder", enc.Video+"+"+enc.Audio, "encoded", enc.Encoded, "dropped", enc.Dropped, "bitrate", enc.Bitrate)
	}
	for _, o := range st.Outputs {
		args := []any{"output", o.Name, "state", o.State.String(), "video_packets", o.SentVideo,
			"audio_packets", o.SentAudio, "bytes", o.Bytes, "dropped", o.Dropped}
		if o.Err != nil {
			args = append(args, "err", o.Err)
		}
		e.log.Info(msg, args...)
	}
}

// flagSet reports whether the command line gave flag name.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func parseSize(s string) (int, int, error) {
	ws, hs, ok := strings.Cut(strings.ToLower(s), "x")
	w, err1 := strconv.Atoi(ws)
	h, err2 := strconv.Atoi(hs)
	if !ok || err1 != nil || err2 != nil || w <= 0 || h <= 0 {
		return 0, 0, fmt.Errorf("size %q: want WIDTHxHEIGHT such as 1280x720: %w", s, errUsage)
	}
	return w, h, nil
}

// parseBitrate reads 2500000, 2500k or 2.5M.
func parseBitrate(s string) (int, error) {
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
		return 0, fmt.Errorf("bitrate %q: want a number such as 2500k or 6M: %w", s, errUsage)
	}
	return int(v * mult), nil
}
