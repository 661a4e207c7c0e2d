package encode

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/onair-dev/onair/media"
)

func TestOpenVideoUnknownEncoder(t *testing.T) {
	for _, name := range []string{"libnosuch264", "aac"} { // aac exists but is not a video encoder
		cfg := DefaultVideo()
		cfg.Encoder = name
		e, err := OpenVideo(cfg, nil)
		if e != nil {
			e.Close()
		}
		if !errors.Is(err, ErrUnknownEncoder) {
			t.Fatalf("OpenVideo(%q) err = %v, want ErrUnknownEncoder", name, err)
		}
		if !strings.Contains(err.Error(), "libx264") || !strings.Contains(err.Error(), name) {
			t.Fatalf("OpenVideo(%q) error %q should name the encoder and list usable ones (libx264)", name, err)
		}
	}
}

func TestVideoConfigBad(t *testing.T) {
	cases := []struct {
		name string
		mod  func(*VideoConfig)
	}{
		{"width too small", func(c *VideoConfig) { c.Width = 8 }},
		{"width too large", func(c *VideoConfig) { c.Width = 8000 }},
		{"height too small", func(c *VideoConfig) { c.Height = 10 }},
		{"height too large", func(c *VideoConfig) { c.Height = 4322 }},
		{"zero size", func(c *VideoConfig) { c.Width, c.Height = 0, 0 }},
		{"odd width", func(c *VideoConfig) { c.Width = 641 }},
		{"odd height", func(c *VideoConfig) { c.Height = 361 }},
		{"fps zero", func(c *VideoConfig) { c.FPS = 0 }},
		{"fps negative", func(c *VideoConfig) { c.FPS = -30 }},
		{"fps too high", func(c *VideoConfig) { c.FPS = 241 }},
		{"bitrate zero", func(c *VideoConfig) { c.Bitrate = 0 }},
		{"bitrate too low", func(c *VideoConfig) { c.Bitrate = 49_999 }},
		{"bitrate too high", func(c *VideoConfig) { c.Bitrate = 200_000_001 }},
		{"keyframe interval negative", func(c *VideoConfig) { c.KeyframeInterval = -time.Second }},
		{"keyframe interval too long", func(c *VideoConfig) { c.KeyframeInterval = 2 * time.Minute }},
		{"rate control", func(c *VideoConfig) { c.RateControl = "abr" }},
		{"profile", func(c *VideoConfig) { c.Profile = "high10" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := fastVideo(640, 360)
			tc.mod(&cfg)
			if err := cfg.Validate(); !errors.Is(err, ErrBadConfig) {
				t.Fatalf("Validate(%+v) = %v, want ErrBadConfig", cfg, err)
			}
			e, err := OpenVideo(cfg, nil)
			if e != nil {
				e.Close()
				t.Fatal("OpenVideo returned an encoder for a bad config")
			}
			if !errors.Is(err, ErrBadConfig) {
				t.Fatalf("OpenVideo(%+v) = %v, want ErrBadConfig", cfg, err)
			}
		})
	}
	// The limits themselves are accepted.
	for _, mod := range []func(*VideoConfig){
		func(c *VideoConfig) { c.Width, c.Height = 16, 16 },
		func(c *VideoConfig) { c.FPS = 1 },
		func(c *VideoConfig) { c.FPS = 240 },
		func(c *VideoConfig) { c.Bitrate = 50_000 },
		func(c *VideoConfig) { c.KeyframeInterval = time.Minute },
		func(c *VideoConfig) { c.RateControl = VBR },
		func(c *VideoConfig) { c.RateControl = "" },
		func(c *VideoConfig) { c.Profile = "" },
		func(c *VideoConfig) { c.Profile = "baseline" },
	} {
		cfg := fastVideo(640, 360)
		mod(&cfg)
		if err := cfg.Validate(); err != nil {
			t.Errorf("Validate(%+v) = %v, want nil", cfg, err)
		}
	}
}

func TestVideoEncodeX264(t *testing.T) {
	const frames = 60
	src := pattern(t, 640, 360)
	e := openVideo(t, fastVideo(640, 360))
	info := e.Info()
	if info.Kind != media.KindVideo || info.Codec != "h264" || info.Width != 640 || info.Height != 360 ||
		info.FrameRate != (media.Rational{Num: 30, Den: 1}) || info.TimeBase != videoTimeBase || len(info.ExtraData) == 0 {
		t.Fatalf("Info() = %+v (extradata %d bytes)", info, len(info.ExtraData))
	}
	if e.Name() != "libx264" {
		t.Fatalf("Name() = %q", e.Name())
	}
	var all []*media.Packet
	for n := int64(0); n < frames; n++ {
		pkts, err := e.Encode(src.Frame(n, wallAt(n)))
		if err != nil {
			t.Fatalf("frame %d: %v", n, err)
		}
		all = append(all, pkts...)
	}
	rest, err := e.Flush()
	if err != nil {
		t.Fatal(err)
	}
	all = append(all, rest...)
	if len(all) != frames {
		t.Fatalf("%d packets for %d frames", len(all), frames)
	}
	checkPackets(t, all, media.KindVideo, videoTimeBase)
	if !all[0].Keyframe {
		t.Fatal("first packet is not a keyframe")
	}
	for i := 1; i < len(all); i++ {
		if all[i].DTS <= all[i-1].DTS {
			t.Fatalf("packet %d DTS %d after %d: not increasing", i, all[i].DTS, all[i-1].DTS)
		}
	}
	seen := map[int64]bool{}
	for _, p := range all {
		if p.PTS < p.DTS {
			t.Fatalf("PTS %d before DTS %d", p.PTS, p.DTS)
		}
		seen[p.PTS] = true
	}
	for n := int64(0); n < frames; n++ {
		if pts := videoTimeBase.Ticks(time.Duration(n) * time.Second / 30); !seen[pts] {
			t.Fatalf("no packet with frame %d's PTS %d", n, pts)
		}
	}
	// Flushed: no more frames, and a second Flush is empty.
	if _, err := e.Encode(src.Frame(frames, wallAt(frames))); !errors.Is(err, ErrEncode) {
		t.Fatalf("Encode after Flush = %v, want ErrEncode", err)
	}
	if p, err := e.Flush(); err != nil || len(p) != 0 {
		t.Fatalf("second Flush = %d packets, %v", len(p), err)
	}
}

// keyframesByPTS encodes frames 0..frames-1 with a 10 s keyframe interval,
// requesting a keyframe before frame req (if req >= 0), and reports which
// frames (by PTS) came out as keyframes.
func keyframesByPTS(t *testing.T, frames, req int64) map[int64]bool {
	t.Helper()
	src := pattern(t, 640, 360)
	cfg := fastVideo(640, 360)
	cfg.KeyframeInterval = 10 * time.Second
	e := openVideo(t, cfg)
	key := map[int64]bool{}
	for n := int64(0); n < frames; n++ {
		if n == req {
			e.RequestKeyframe()
		}
		pkts, err := e.Encode(src.Frame(n, wallAt(n)))
		if err != nil {
			t.Fatal(err)
		}
		// zerolatency: one packet per frame, at once, for that frame.
		want := videoTimeBase.Ticks(time.Duration(n) * time.Second / 30)
		if len(pkts) != 1 || pkts[0].PTS != want {
			t.Fatalf("frame %d: got %d packets (first PTS %v), want 1 with PTS %d", n, len(pkts), firstPTS(pkts), want)
		}
		key[n] = pkts[0].Keyframe
	}
	return key
}

func firstPTS(p []*media.Packet) any {
	if len(p) == 0 {
		return "none"
	}
	return p[0].PTS
}

func TestRequestKeyframe(t *testing.T) {
	// Control: without a request, frame 21 is not a keyframe.
	ctrl := keyframesByPTS(t, 30, -1)
	if !ctrl[0] || ctrl[21] {
		t.Fatalf("control run: keyframe at 0 = %v, at 21 = %v; want true, false", ctrl[0], ctrl[21])
	}
	key := keyframesByPTS(t, 30, 21)
	if !key[0] {
		t.Fatal("frame 0 is not a keyframe")
	}
	if !key[21] {
		t.Fatal("frame 21 is not a keyframe after RequestKeyframe between frames 20 and 21")
	}
	// The request is consumed: the next frames are not keyframes again.
	for n := int64(22); n < 30; n++ {
		if key[n] && !ctrl[n] {
			t.Fatalf("frame %d is a keyframe: the request was not consumed", n)
		}
	}
}

func TestRequestKeyframeConcurrent(t *testing.T) {
	// RequestKeyframe may come from any goroutine while Encode runs.
	src := pattern(t, 320, 240)
	e := openVideo(t, fastVideo(320, 240))
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
				e.RequestKeyframe()
				time.Sleep(time.Millisecond)
			}
		}
	}()
	for n := int64(0); n < 20; n++ {
		if _, err := e.Encode(src.Frame(n, wallAt(n))); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	<-done
}

func TestVideoInputConversion(t *testing.T) {
	e := openVideo(t, fastVideo(640, 360))
	rgb := media.NewVideoFrame(media.PixelRGB24, 320, 240)
	for i := range rgb.Plane[0] {
		rgb.Plane[0][i] = byte(i * 7)
	}
	// An I420 frame of another size with padded rows (stride > width).
	big := pattern(t, 800, 450).Frame(3, wallAt(3))
	padded := &media.VideoFrame{Format: media.PixelI420, Width: 800, Height: 450}
	for p := 0; p < 3; p++ {
		row, rows := big.PlaneSize(p)
		padded.Stride[p] = row + 32
		padded.Plane[p] = make([]byte, padded.Stride[p]*rows)
		for y := 0; y < rows; y++ {
			copy(padded.Plane[p][y*padded.Stride[p]:], big.Plane[p][y*big.Stride[p]:y*big.Stride[p]+row])
		}
	}
	bgr := media.NewVideoFrame(media.PixelBGR24, 1280, 720)
	inputs := []*media.VideoFrame{rgb, rgb, padded, padded, bgr, rgb}
	var got int
	for i, f := range inputs {
		f.PTS = time.Duration(i) * time.Second / 30
		pkts, err := e.Encode(f)
		if err != nil {
			t.Fatalf("input %d (%v %dx%d): %v", i, f.Format, f.Width, f.Height, err)
		}
		if len(pkts) != 1 {
			t.Fatalf("input %d (%v %dx%d): %d packets, want 1", i, f.Format, f.Width, f.Height, len(pkts))
		}
		checkPackets(t, pkts, media.KindVideo, videoTimeBase)
		got += len(pkts)
	}
	rest, err := e.Flush()
	if err != nil {
		t.Fatal(err)
	}
	if got+len(rest) != len(inputs) {
		t.Fatalf("%d packets for %d frames", got+len(rest), len(inputs))
	}
}

func TestVideoBadFrame(t *testing.T) {
	e := openVideo(t, fastVideo(640, 360))
	good := func() *media.VideoFrame { return media.NewVideoFrame(media.PixelI420, 640, 360) }
	cases := map[string]*media.VideoFrame{}
	f := good()
	f.Plane[0] = f.Plane[0][:100]
	cases["short Y plane"] = f
	f = good()
	f.Plane[2] = nil
	cases["missing V plane"] = f
	f = good()
	f.Stride[1] = 10
	cases["stride below row"] = f
	f = media.NewVideoFrame(media.PixelRGB24, 320, 240)
	f.Plane[0] = f.Plane[0][:len(f.Plane[0])-1]
	cases["short RGB plane"] = f
	f = good()
	f.Width = 0
	cases["zero width"] = f
	f = good()
	f.Format = 99
	cases["unknown format"] = f
	for name, f := range cases {
		pkts, err := e.Encode(f)
		if !errors.Is(err, media.ErrBadFrame) {
			t.Errorf("%s: err = %v, want media.ErrBadFrame", name, err)
		}
		if len(pkts) != 0 {
			t.Errorf("%s: %d packets", name, len(pkts))
		}
	}
	// The encoder still works after refusing bad frames.
	ok := good()
	if pkts, err := e.Encode(ok); err != nil || len(pkts) != 1 || !pkts[0].Keyframe {
		t.Fatalf("good frame after bad ones: %d packets, %v", len(pkts), err)
	}
}

func TestVideoCloseTwice(t *testing.T) {
	e, err := OpenVideo(fastVideo(320, 240), nil)
	if err != nil {
		t.Fatal(err)
	}
	src := pattern(t, 320, 240)
	if _, err := e.Encode(src.Frame(0, wallAt(0))); err != nil {
		t.Fatal(err)
	}
	withinTimeout(t, 10*time.Second, "Close", func() {
		if err := e.Close(); err != nil {
			t.Error(err)
		}
		if err := e.Close(); err != nil {
			t.Error(err)
		}
	})
}

func TestVideoCloseWithoutEncode(t *testing.T) {
	// SVT-AV1 1.4 hung when freed before any frame; libx264 as a control.
	for _, name := range []string{"libx264", "libsvtav1"} {
		t.Run(name, func(t *testing.T) {
			cfg := fastVideo(320, 240)
			cfg.Encoder = name
			var e *VideoEncoder
			withinTimeout(t, 20*time.Second, "OpenVideo "+name, func() {
				var err error
				if e, err = OpenVideo(cfg, nil); err != nil {
					t.Error(err)
				}
			})
			if e == nil {
				t.FailNow()
			}
			withinTimeout(t, 10*time.Second, "Close of a fresh "+name, func() {
				e.Close()
				e.Close()
			})
		})
	}
}

func TestEncodersProduceTheirCodec(t *testing.T) {
	// Each software encoder the recording outputs rely on encodes for real.
	for _, c := range []struct{ enc, codec string }{
		{"libx264", "h264"}, {"libx265", "hevc"}, {"libvpx-vp9", "vp9"}, {"libsvtav1", "av1"},
	} {
		t.Run(c.enc, func(t *testing.T) {
			cfg := fastVideo(320, 240)
			cfg.Encoder = c.enc
			src := pattern(t, 320, 240)
			var e *VideoEncoder
			withinTimeout(t, 20*time.Second, "OpenVideo", func() {
				var err error
				if e, err = OpenVideo(cfg, nil); err != nil {
					t.Error(err)
				}
			})
			if e == nil {
				t.FailNow()
			}
			defer e.Close()
			if e.Info().Codec != c.codec {
				t.Fatalf("Info().Codec = %q, want %q", e.Info().Codec, c.codec)
			}
			var all []*media.Packet
			withinTimeout(t, 30*time.Second, "encoding 10 frames", func() {
				for n := int64(0); n < 10; n++ {
					p, err := e.Encode(src.Frame(n, wallAt(n)))
					if err != nil {
						t.Error(err)
						return
					}
					all = append(all, p...)
				}
				p, err := e.Flush()
				if err != nil {
					t.Error(err)
				}
				all = append(all, p...)
			})
			if t.Failed() {
				return
			}
			if len(all) != 10 || !all[0].Keyframe {
				t.Fatalf("%d packets for 10 frames (first keyframe: %v)", len(all), len(all) > 0 && all[0].Keyframe)
			}
			checkPackets(t, all, media.KindVideo, videoTimeBase)
		})
	}
}

func BenchmarkEncode720pX264(b *testing.B) {
	src := pattern(b, 1280, 720)
	frames := make([]*media.VideoFrame, 60)
	for i := range frames {
		frames[i] = src.Frame(int64(i), wallAt(int64(i)))
	}
	e := openVideo(b, DefaultVideo()) // libx264 veryfast zerolatency 720p30
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f := frames[i%len(frames)]
		f.PTS = time.Duration(i) * time.Second / 30
		if _, err := e.Encode(f); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
}
