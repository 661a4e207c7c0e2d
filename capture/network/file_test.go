package network

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onair-dev/onair/internal/testenv"
	"github.com/onair-dev/onair/media"
)

func TestFileFrameCountsMatchFFprobe(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"clip.mp4", "clip.mkv", "clip.flv", "clip.ts"} {
		t.Run(name, func(t *testing.T) {
			p := makeClip(t, dir, name, "2")
			streams := testenv.Probe(t, p)
			wantV := testenv.Find(t, streams, "video").Frames()
			src, err := New(p)
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			info := src.Info()
			if info.Video == nil || info.Video.Width != 320 || info.Video.Height != 180 || info.Audio == nil || info.Audio.SampleRate != 48000 || info.Live {
				t.Fatalf("info %+v video %+v audio %+v", info, info.Video, info.Audio)
			}
			r := collect(t, src, 30*time.Second)
			if r.err != nil {
				t.Fatal(r.err)
			}
			if len(r.video) != wantV {
				t.Fatalf("%d video frames, ffprobe counts %d", len(r.video), wantV)
			}
			if st := src.Stats(); st.FramesVideo != uint64(wantV) || st.Discontinuities != 0 {
				t.Fatalf("stats %+v", st)
			}
			checkMonotonic(t, r)
			// ~2 s of audio at 48 kHz (AAC priming may trim a little).
			var samples int
			for _, a := range r.audio {
				samples += a.Samples
			}
			if samples < 90000 || samples > 100000 {
				t.Fatalf("%d audio samples for 2 s", samples)
			}
			if f := r.video[0]; f.Format != media.PixelI420 || f.Width != 320 || f.Height != 180 || f.Stride[0] != 320 {
				t.Fatalf("frame %v %dx%d stride %v", f.Format, f.Width, f.Height, f.Stride)
			}
		})
	}
}

func TestFileLoopKeepsPTSContinuous(t *testing.T) {
	p := makeClip(t, t.TempDir(), "loop.mp4", "1")
	want := testenv.Find(t, testenv.Probe(t, p), "video").Frames()
	src, err := New(p, WithLoop(true))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var r result
	// Run until well past one pass, then stop through Close.
	done := make(chan struct{})
	go func() {
		defer close(done)
		deadline := time.Now().Add(20 * time.Second)
		for src.Stats().FramesVideo < uint64(3*want) && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		src.Close()
	}()
	r = collect(t, src, 30*time.Second)
	<-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	if len(r.video) <= 2*want {
		t.Fatalf("loop delivered %d frames, one pass is %d", len(r.video), want)
	}
	if st := src.Stats(); st.Discontinuities < 2 {
		t.Fatalf("loops not counted: %+v", st)
	}
	checkMonotonic(t, r)
	for i := 1; i < len(r.video); i++ {
		if d := r.video[i].PTS - r.video[i-1].PTS; d != 40*time.Millisecond {
			t.Fatalf("step %v at %d, want 40ms", d, i)
		}
	}
}

func TestRGB24Red(t *testing.T) {
	p := filepath.Join(t.TempDir(), "red.mp4")
	ffmpeg(t, "-f", "lavfi", "-i", "color=red:size=64x48:rate=10", "-t", "1", "-c:v", "libx264", "-pix_fmt", "yuv420p", p)
	src, err := New(p, WithPixelFormat(media.PixelRGB24))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if src.Info().Video.Format != media.PixelRGB24 {
		t.Fatal("info format")
	}
	var calls int
	src2, err := New(p, WithPixelFormat(media.PixelRGB24), WithFrameCallback(func(*media.VideoFrame) { calls++ }))
	if err != nil {
		t.Fatal(err)
	}
	defer src2.Close()
	r := collect(t, src, 20*time.Second)
	if r.err != nil || len(r.video) != 10 {
		t.Fatalf("err %v, %d frames", r.err, len(r.video))
	}
	for _, f := range r.video {
		if f.Format != media.PixelRGB24 || f.Stride[0] != 64*3 || len(f.Plane[0]) != 64*3*48 {
			t.Fatalf("frame %v stride %d len %d", f.Format, f.Stride[0], len(f.Plane[0]))
		}
		for _, px := range [][2]int{{0, 0}, {32, 24}, {63, 47}} {
			o := px[1]*f.Stride[0] + px[0]*3
			r, g, b := f.Plane[0][o], f.Plane[0][o+1], f.Plane[0][o+2]
			if r < 230 || g > 30 || b > 30 {
				t.Fatalf("pixel %v = %d,%d,%d, want red", px, r, g, b)
			}
		}
	}
	if r2 := collect(t, src2, 20*time.Second); r2.err != nil || calls != 10 {
		t.Fatalf("callback: err %v, %d calls", r2.err, calls)
	}
}

func TestRealTimePacesFile(t *testing.T) {
	p := makeClip(t, t.TempDir(), "rt.mp4", "1")
	src, err := New(p, WithRealTime(true))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	start := time.Now()
	r := collect(t, src, 20*time.Second)
	if r.err != nil {
		t.Fatal(r.err)
	}
	if el := time.Since(start); el < 800*time.Millisecond {
		t.Fatalf("1 s clip took %v in real time", el)
	}
}

func TestOptionsValidated(t *testing.T) {
	if _, err := New("x.mp4", WithPixelFormat(media.PixelBGR24)); err == nil {
		t.Fatal("bgr24 accepted")
	}
	if _, err := New("x.mp4", WithTimeout(0)); err == nil {
		t.Fatal("zero timeout accepted")
	}
	if _, err := New("rtmp://127.0.0.1:1/live/k", WithLoop(true)); err == nil {
		t.Fatal("loop on live accepted")
	}
	if _, err := New("x.mp4", WithReconnect(true)); err == nil {
		t.Fatal("reconnect on file accepted")
	}
	if _, err := New("x.mp4", WithClock(nil)); err == nil {
		t.Fatal("nil clock accepted")
	}
}

func TestBadFiles(t *testing.T) {
	dir := t.TempDir()
	if _, err := New(filepath.Join(dir, "missing.mp4")); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing: %v", err)
	}
	junk := filepath.Join(dir, "junk.mp4")
	b := make([]byte, 64<<10)
	for i := range b {
		b[i] = byte(i*7919 + i>>3)
	}
	if err := os.WriteFile(junk, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := New(junk); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("junk: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "empty.mp4"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := New(filepath.Join(dir, "empty.mp4")); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("empty: %v", err)
	}
	// A folder is no media; messages are one line.
	if _, err := New(dir); !errors.Is(err, ErrCorrupt) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("folder: %v", err)
	}
}
