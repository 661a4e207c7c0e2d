package devices

import (
	"context"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"strings"
	"testing"
	"time"

	_ "github.com/pion/mediadevices/pkg/driver/audiotest"
	_ "github.com/pion/mediadevices/pkg/driver/videotest"
	"go.uber.org/goleak"

	"github.com/onair-dev/onair/capture"
	"github.com/onair-dev/onair/media"
)

// runFor starts src.Run and returns its channels and a stop func that cancels,
// waits for Run and closes the source.
func runFor(t *testing.T, src capture.Source) (chan *media.VideoFrame, chan *media.AudioFrame, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	v := make(chan *media.VideoFrame, 4)
	a := make(chan *media.AudioFrame, 16)
	errc := make(chan error, 1)
	go func() { errc <- src.Run(ctx, v, a) }()
	stopped := false
	return v, a, func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-errc:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Run did not return within 5s of cancel")
		}
		if err := src.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}
}

func nextVideo(t *testing.T, v chan *media.VideoFrame) *media.VideoFrame {
	t.Helper()
	select {
	case f := <-v:
		return f
	case <-time.After(5 * time.Second):
		t.Fatal("no video frame within 5s")
	}
	return nil
}

func TestTestDriverVideo640x480(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	clock := media.NewWallClock()
	src, err := OpenCamera("VideoTest", 640, 480, 30, WithTestDrivers(), WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	if vi := src.Info().Video; vi == nil || vi.Width != 640 || vi.Height != 480 || vi.Format != media.PixelI420 {
		t.Fatalf("info %+v", src.Info().Video)
	}
	v, _, stop := runFor(t, src)
	defer stop()
	start := time.Now()
	var last *media.VideoFrame
	const n = 15
	for i := 0; i < n; i++ {
		f := nextVideo(t, v)
		if f.Width != 640 || f.Height != 480 || f.Format != media.PixelI420 {
			t.Fatalf("frame %dx%d %v", f.Width, f.Height, f.Format)
		}
		if err := f.Validate(); err != nil {
			t.Fatal(err)
		}
		if last != nil && (f.PTS <= last.PTS || f.Seq != last.Seq+1) {
			t.Fatalf("pts %v after %v, seq %d after %d", f.PTS, last.PTS, f.Seq, last.Seq)
		}
		last = f
	}
	// The test pattern's first bar is white-ish (Y 235*0.75), chroma neutral.
	if y, u := last.Plane[0][0], last.Plane[1][0]; y != 176 || u != 128 {
		t.Fatalf("top-left Y=%d U=%d, want 176/128", y, u)
	}
	t.Logf("%d frames 640x480 in %v (%.1f fps), last PTS %v", n, time.Since(start), float64(n-1)/time.Since(start).Seconds(), last.PTS)
	stop()
	if err := src.Close(); err != nil { // second Close: idempotent
		t.Fatalf("second Close: %v", err)
	}
}

func TestTestDriverVideoRejectsUnofferedSize(t *testing.T) {
	_, err := OpenCamera("VideoTest", 1920, 1080, 30, WithTestDrivers())
	var fe *FormatError
	if !errors.Is(err, ErrUnsupportedFormat) || !errors.As(err, &fe) || !strings.Contains(err.Error(), "640x480") {
		t.Fatalf("got %v", err)
	}
	// The driver was closed again: it opens fine now.
	src, err := OpenCamera("VideoTest", 640, 480, 30, WithTestDrivers())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenCamera("VideoTest", 640, 480, 30, WithTestDrivers()); !errors.Is(err, ErrDeviceBusy) {
		t.Fatalf("second open: got %v, want ErrDeviceBusy", err)
	}
	src.Close()
}

func TestTestDriverAudio48kStereo(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	clock := media.NewWallClock()
	src, err := OpenMicrophone("AudioTest", WithTestDrivers(), WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	if ai := src.Info().Audio; ai == nil || ai.SampleRate != 48000 || ai.Channels != 2 || ai.Format != media.SampleS16 {
		t.Fatalf("info %+v", src.Info().Audio)
	}
	_, a, stop := runFor(t, src)
	defer stop()
	var next int64
	var origin time.Duration
	var peak int16
	const n = 25
	for i := 0; i < n; i++ {
		var f *media.AudioFrame
		select {
		case f = <-a:
		case <-time.After(5 * time.Second):
			t.Fatal("no audio within 5s")
		}
		if f.SampleRate != 48000 || f.Channels != 2 || f.Format != media.SampleS16 {
			t.Fatalf("frame %d Hz %d ch %v", f.SampleRate, f.Channels, f.Format)
		}
		if err := f.Validate(); err != nil {
			t.Fatal(err)
		}
		if f.Start != next {
			t.Fatalf("frame %d starts at %d, want %d", i, f.Start, next)
		}
		if i == 0 {
			origin = f.PTS
		}
		if want := origin + media.SamplesToDuration(f.Start, 48000); f.PTS != want {
			t.Fatalf("PTS %v, want origin+samples %v", f.PTS, want)
		}
		for j := 0; j+3 < len(f.Data); j += 4 {
			l := int16(binary.LittleEndian.Uint16(f.Data[j:]))
			r := int16(binary.LittleEndian.Uint16(f.Data[j+2:]))
			if l != r {
				t.Fatalf("channels differ: %d %d", l, r)
			}
			if l > peak {
				peak = l
			}
		}
		next = f.Start + int64(f.Samples)
	}
	// audiotest is a 0.25-amplitude sine: peak about 8192.
	if peak < 7000 || peak > 8300 {
		t.Fatalf("peak %d, want ~8192", peak)
	}
	now := clock.Now()
	t.Logf("%d chunks, %d samples contiguous, origin %v, sample time %v vs clock %v, peak %d, drift %+v",
		n, next, origin, media.SamplesToDuration(next, 48000), now, peak, src.(*Microphone).Drift())
}

func TestNoCameraOnThisMachine(t *testing.T) {
	devs, err := List()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range devs {
		t.Logf("device: %v %q id=%s formats=%v", d.Kind, d.Label, d.ID, d.Formats)
		if d.Kind == KindCamera {
			t.Fatalf("camera listed: %+v", d)
		}
		if d.Test {
			t.Fatalf("test driver listed without WithTestDrivers: %+v", d)
		}
	}
	_, err = OpenCamera("", 640, 480, 30)
	if !errors.Is(err, ErrNoDevice) {
		t.Fatalf("got %v, want ErrNoDevice", err)
	}
	if !strings.Contains(err.Error(), "no camera found") || !strings.Contains(err.Error(), cameraLookFor) {
		t.Fatalf("message does not say what was looked for: %v", err)
	}
	t.Logf("OpenCamera: %v", err)
	all, _ := List(WithTestDrivers())
	var sawTest bool
	for _, d := range all {
		sawTest = sawTest || (d.Test && d.Kind == KindCamera && len(d.Formats) > 0 && d.Formats[0].Width == 640)
	}
	if !sawTest {
		t.Fatalf("WithTestDrivers: VideoTest with formats not listed: %+v", all)
	}
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

func TestCloseWithoutRunAndTwice(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	src, err := OpenMicrophone("AudioTest", WithTestDrivers())
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	if err := src.Run(context.Background(), nil, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("Run after Close: %v", err)
	}
	// Close while Run is blocked sending (nobody reads): Run returns, no leak.
	cam, err := OpenCamera("VideoTest", 640, 480, 30, WithTestDrivers())
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- cam.Run(context.Background(), make(chan *media.VideoFrame), nil) }()
	time.Sleep(200 * time.Millisecond)
	t0 := time.Now()
	if err := cam.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errc:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run still blocked after Close")
	}
	t.Logf("Close with Run blocked took %v", time.Since(t0))
	cam.Close()
}

func TestToI420(t *testing.T) {
	rgba := image.NewRGBA(image.Rect(0, 0, 5, 3))
	for i := 0; i < len(rgba.Pix); i += 4 {
		copy(rgba.Pix[i:], []byte{255, 0, 0, 255})
	}
	f, err := toI420(rgba)
	if err != nil || f.Validate() != nil {
		t.Fatal(err)
	}
	if f.Plane[0][14] != 82 || f.Plane[1][5] != 90 || f.Plane[2][5] != 240 {
		t.Fatalf("red -> %d/%d/%d", f.Plane[0][14], f.Plane[1][5], f.Plane[2][5])
	}
	// 4:2:0 sub-image with padded strides is copied plane by plane.
	y := image.NewYCbCr(image.Rect(0, 0, 64, 32), image.YCbCrSubsampleRatio420)
	for i := range y.Y {
		y.Y[i] = uint8(i)
	}
	for i := range y.Cb {
		y.Cb[i], y.Cr[i] = uint8(i), uint8(255-i)
	}
	sub := y.SubImage(image.Rect(2, 4, 12, 10)).(*image.YCbCr)
	g, err := toI420(sub)
	if err != nil || g.Width != 10 || g.Height != 6 {
		t.Fatal(err, g.Width, g.Height)
	}
	for yy := 0; yy < 6; yy++ {
		for xx := 0; xx < 10; xx++ {
			if got, want := g.Plane[0][yy*g.Stride[0]+xx], y.YCbCrAt(2+xx, 4+yy).Y; got != want {
				t.Fatalf("Y(%d,%d)=%d want %d", xx, yy, got, want)
			}
		}
	}
	for cy := 0; cy < 3; cy++ {
		for cx := 0; cx < 5; cx++ {
			c := y.YCbCrAt(2+2*cx, 4+2*cy)
			if g.Plane[1][cy*5+cx] != c.Cb || g.Plane[2][cy*5+cx] != c.Cr {
				t.Fatalf("chroma (%d,%d)", cx, cy)
			}
		}
	}
	// Anything else goes through At.
	gray := image.NewGray(image.Rect(0, 0, 2, 2))
	gray.Set(0, 0, color.Gray{255})
	h, _ := toI420(gray)
	if h.Plane[0][0] != 235 || h.Plane[0][1] != 16 || absDiff(h.Plane[1][0], 128) > 1 {
		t.Fatalf("gray -> %v %v", h.Plane[0], h.Plane[1])
	}
}

// A device 1000 ppm slow delivers 960-sample chunks every 20.02 ms: after
// warm-up the corrector inserts samples so sample time tracks the clock.
func TestDriftCorrectorFollowsSlowDevice(t *testing.T) {
	for _, ppm := range []float64{+1000, -500, 0} {
		var dc driftCorrector
		period := time.Duration(float64(20*time.Millisecond) * (1 + ppm/1e6))
		now := 5 * time.Second       // session time when the device starts
		for i := 0; i < 60*50; i++ { // 60 s
			now += period
			jitter := time.Duration((i*7919)%2000-1000) * time.Microsecond // +-1 ms delivery jitter
			adj := dc.observe(now+jitter, 960)
			dc.next += int64(960 + adj)
		}
		wall := now - dc.origin
		samples := media.SamplesToDuration(dc.next, 48000)
		err := wall - samples - dc.stats.Baseline
		t.Logf("ppm %+v: inserted %d dropped %d, residual %v, baseline %v", ppm, dc.stats.Inserted, dc.stats.Dropped, err, dc.stats.Baseline)
		if err > 3*time.Millisecond || err < -3*time.Millisecond {
			t.Fatalf("ppm %v: residual drift %v", ppm, err)
		}
		if ppm == 0 && dc.stats.Inserted+dc.stats.Dropped > 10 {
			t.Fatalf("corrections on a perfect clock: %+v", dc.stats)
		}
	}
}
