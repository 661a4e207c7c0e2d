// Command latency measures glass-to-glass latency of onair's WebRTC path:
// the real-time test pattern (720p30, barcode with the wall-clock ms of
// each frame) publishes over WHIP to the built-in local server, and the
// server's viewer page in a headless Chromium reads each presented frame's
// barcode against its own clock (window.onair.latencies). Everything runs
// on this machine, on 127.0.0.1, so both ends read one clock.
//
// It prints p50, p95, max and the count as a markdown table. Goals: p50 ≤
// 80 ms, p95 ≤ 120 ms; reported, not asserted.
//
//	go run ./bench/latency -duration 20s
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"os"
	"os/signal"
	"slices"
	"time"

	"github.com/onair-dev/onair/capture/testpattern"
	"github.com/onair-dev/onair/encode"
	"github.com/onair-dev/onair/internal/browser"
	"github.com/onair-dev/onair/pipeline"
	"github.com/onair-dev/onair/stream"
	"github.com/onair-dev/onair/stream/server"
)

type options struct {
	duration, warmup time.Duration
	width, height    int
	fps              int
	verbose          bool
}

func main() {
	var o options
	flag.DurationVar(&o.duration, "duration", 20*time.Second, "measuring window")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "playback discarded before the window (start-up burst)")
	flag.IntVar(&o.width, "width", 1280, "picture width")
	flag.IntVar(&o.height, "height", 720, "picture height")
	flag.IntVar(&o.fps, "fps", 30, "frames per second")
	flag.BoolVar(&o.verbose, "v", false, "log onair and the page's console")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, o.warmup+o.duration+90*time.Second)
	defer cancel()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "latency:", err)
		os.Exit(1)
	}
}

// page is what the viewer page reports at the end of the window.
type page struct {
	State     string    `json:"state"`
	Latencies []float64 `json:"latencies"`
	Frames    []int64   `json:"frames"`
	Decoded   int64     `json:"decoded"`
	Dropped   int64     `json:"dropped"`
	Freezes   int64     `json:"freezes"`
	Width     int       `json:"width"`
	Height    int       `json:"height"`
	// Mean jitter-buffer delay per emitted frame, ms.
	JitterBufferMs float64 `json:"jitterBufferMs"`
	Errors         []string
}

const readPage = `(async () => {
  const o = window.onair, out = { state: o.state, latencies: o.latencies.slice(), frames: o.frames.slice(), errors: o.errors,
    decoded: 0, dropped: 0, freezes: 0, width: 0, height: 0, jitterBufferMs: 0 };
  if (o.pc) (await o.pc.getStats()).forEach((r) => {
    if (r.type !== "inbound-rtp" || r.kind !== "video") return;
    Object.assign(out, { decoded: r.framesDecoded || 0, dropped: r.framesDropped || 0, freezes: r.freezeCount || 0,
      width: r.frameWidth || 0, height: r.frameHeight || 0,
      jitterBufferMs: r.jitterBufferEmittedCount ? 1000 * r.jitterBufferDelay / r.jitterBufferEmittedCount : 0 });
  });
  return out;
})()`

func run(ctx context.Context, o options) error {
	level := slog.LevelWarn
	if o.verbose {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	var logf func(string, ...any)
	if o.verbose {
		logf = func(f string, a ...any) { log.Info(fmt.Sprintf(f, a...)) }
	}

	srv, err := server.Start(server.Config{Addr: "127.0.0.1:0", Log: log})
	if err != nil {
		return err
	}
	defer srv.Close()
	whip, err := stream.NewWHIP(srv.WHIPURL(), stream.WHIPOptions{Timeout: 10 * time.Second, ICETimeout: 10 * time.Second, Log: log})
	if err != nil {
		return err
	}
	src, err := testpattern.New(testpattern.WithSize(o.width, o.height), testpattern.WithFrameRate(o.fps))
	if err != nil {
		return err
	}
	defer src.Close()
	v := encode.DefaultVideo()
	v.Width, v.Height, v.FPS = o.width, o.height, o.fps
	sess, err := pipeline.New(pipeline.Config{Source: src, Video: v, Audio: encode.DefaultAudio(), Sinks: []stream.Sink{whip}, Log: log})
	if err != nil {
		return err
	}
	if err := sess.Start(ctx); err != nil {
		return err
	}
	defer sess.Stop()
	if err := waitLive(ctx, sess, 15*time.Second); err != nil {
		return err
	}

	b, err := browser.Launch(ctx, logf)
	if err != nil {
		return err
	}
	defer b.Close()
	if err := browser.Navigate(b.Ctx, 15*time.Second, srv.URL()); err != nil {
		return fmt.Errorf("opening the viewer %s: %w", srv.URL(), err)
	}
	if err := browser.Poll(b.Ctx, 15*time.Second, 100*time.Millisecond,
		`window.onair && onair.state === "playing" && onair.latencies.length > 0`); err != nil {
		return fmt.Errorf("the viewer never played: %w", err)
	}
	if err := sleep(ctx, o.warmup); err != nil {
		return err
	}
	var skip int
	if err := browser.Eval(b.Ctx, 5*time.Second, `onair.latencies.length`, &skip); err != nil {
		return err
	}
	var p0 page
	if err := browser.Eval(b.Ctx, 5*time.Second, readPage, &p0); err != nil {
		return err
	}
	start := time.Now()
	if err := sleep(ctx, o.duration); err != nil {
		return err
	}
	var p page
	if err := browser.Eval(b.Ctx, 10*time.Second, readPage, &p); err != nil {
		return err
	}
	window := time.Since(start)
	if len(p.Latencies) < skip {
		return errors.New("the page's latency list shrank; the viewer reconnected?")
	}
	lat := slices.Clone(p.Latencies[skip:])
	if len(lat) == 0 {
		return errors.New("no latency measured in the window")
	}
	slices.Sort(lat)
	st := sess.Stats()

	fmt.Printf("## glass-to-glass latency, onair publish → local server → Chromium viewer (%dx%d@%d, %.0f s window)\n\n",
		o.width, o.height, o.fps, window.Seconds())
	fmt.Println("| p50 ms | p95 ms | max ms | count | goal |")
	fmt.Println("|---:|---:|---:|---:|---|")
	p50, p95 := percentile(lat, 50), percentile(lat, 95)
	fmt.Printf("| %.0f | %.0f | %.0f | %d | p50 ≤ 80 ms %s, p95 ≤ 120 ms %s |\n\n",
		p50, p95, lat[len(lat)-1], len(lat), verdict(p50 <= 80), verdict(p95 <= 120))
	enc := pipeline.EncoderStats{}
	if len(st.Encoders) > 0 {
		enc = st.Encoders[0]
	}
	fmt.Printf("frames in the window: %d barcodes read (%.1f/s), %d decoded, %d dropped by the page, %d freezes; size %dx%d; "+
		"mean jitter-buffer delay %.0f ms; min latency %.0f ms; encoder %s at %d bit/s (congestion control target), %d frames dropped before the encoder\n",
		len(lat), float64(len(lat))/window.Seconds(), p.Decoded-p0.Decoded, p.Dropped-p0.Dropped, p.Freezes-p0.Freezes,
		p.Width, p.Height, p.JitterBufferMs, lat[0], enc.Video, enc.Bitrate, st.Dropped)
	if len(p.Errors) > 0 {
		fmt.Printf("viewer errors: %v\n", p.Errors)
	}
	return nil
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "missed"
}

// percentile of sorted values, nearest rank.
func percentile(sorted []float64, p float64) float64 {
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

func waitLive(ctx context.Context, sess *pipeline.Session, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		st := sess.Stats()
		if len(st.Outputs) == 1 {
			switch out := st.Outputs[0]; out.State {
			case pipeline.OutputLive:
				return nil
			case pipeline.OutputFailed, pipeline.OutputClosed:
				return fmt.Errorf("output %s %s: %v", out.Name, out.State, out.Err)
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("WHIP output not live within %v", timeout)
		}
		if err := sleep(ctx, 50*time.Millisecond); err != nil {
			return err
		}
	}
}
