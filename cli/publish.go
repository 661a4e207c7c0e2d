package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/onair-dev/onair/encode"
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
	vcfg := pipeline.DefaultVideo()
	vcfg.Encoder, vcfg.Width, vcfg.Height, vcfg.FPS, vcfg.Bitrate = *encoder, w, h, *fps, vbr
	vcfg.KeyframeInterval, vcfg.Preset, vcfg.Tune, vcfg.Profile = *keyint, *preset, *tune, *profile
	vcfg.RateControl = encode.RateControl(*rc)
	acfg := pipeline.DefaultAudio()
	acfg.Encoder, acfg.Bitrate = *audioEnc, abr
	if ext := strings.ToLower(filepath.Ext(*statsPath)); *statsPath != "" && ext != ".csv" && ext != ".json" {
		return fmt.Errorf("--stats %q: want a .csv or .json file: %w", *statsPath, errUsage)
	}
	if *token == "" {
		*token = os.Getenv(tokenEnv)
	}
	plan := pipeline.Plan{
		Source: *source, Device: *device, Loop: *loop, AVOffset: *avOffset, Unpaced: !*realtime,
		KeepInputSize: !flagSet(fs, "size"), KeepInputRate: !flagSet(fs, "fps"), Duration: *duration,
		Video: vcfg, Audio: acfg, Outputs: outs, Token: *token, Timeout: *timeout,
		WebRTCCodec: *webrtcCodec, MinBitrate: minBR, ServerAddr: *serverAddr,
		Filters: filterSpecs, NoFilters: *noFilters, Log: e.log,
	}
	pr, err := pipeline.Prepare(plan)
	if err != nil {
		return usageIfSetting(err)
	}
	defer pr.Close()
	for _, srv := range pr.Servers {
		announceServer(e, srv)
	}
	sess := pr.Session
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := pr.Start(ctx); err != nil {
		return usageIfSetting(err)
	}
	for _, name := range pr.Outputs {
		e.log.Info("output", "to", name)
	}
	if pr.StopAfter > 0 {
		t := time.AfterFunc(pr.StopAfter, func() { sess.Stop() })
		defer t.Stop()
	}
	if *duration > 0 && pr.Live {
		// The limit ends the source; this is a backstop for a stuck output.
		t := time.AfterFunc(*duration+pr.Timeout+5*time.Second, func() { sess.Stop() })
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
	w, h, err := pipeline.ParseSize(s)
	return w, h, usageIfSetting(err)
}

func parseBitrate(s string) (int, error) {
	v, err := pipeline.ParseBitrate(s)
	return v, usageIfSetting(err)
}

// usageIfSetting marks a mistake in the plan as a command-line mistake (exit 2).
func usageIfSetting(err error) error {
	var se *pipeline.SettingError
	if errors.As(err, &se) {
		return fmt.Errorf("%v: %w", err, errUsage)
	}
	return err
}
