package testpattern

import (
	"errors"
	"testing"
	"time"

	"github.com/onair-dev/onair/capture"
	"github.com/onair-dev/onair/media"
)

func TestBadOptions(t *testing.T) {
	cases := map[string]Option{
		"too small":       WithSize(158, 120),
		"too short":       WithSize(160, 118),
		"too wide":        WithSize(3842, 2160),
		"too tall":        WithSize(3840, 2162),
		"odd width":       WithSize(1281, 720),
		"odd height":      WithSize(1280, 721),
		"fps zero":        WithFrameRate(0),
		"fps high":        WithFrameRate(121),
		"offset high":     WithAVOffset(time.Second + time.Nanosecond),
		"offset low":      WithAVOffset(-2 * time.Second),
		"nil clock":       WithClock(nil),
		"nil wall time":   WithWallTime(nil),
		"negative limit":  WithLimit(-1),
		"fps after valid": WithFrameRate(500),
	}
	for name, opt := range cases {
		t.Run(name, func(t *testing.T) {
			s, err := New(opt)
			if !errors.Is(err, ErrBadOption) || s != nil {
				t.Fatalf("got %v, %v; want ErrBadOption", s, err)
			}
		})
	}
	// The message names the value and the range.
	_, err := New(WithFrameRate(500))
	if want := "testpattern: frame rate 500 out of range 1..120: testpattern: bad option"; err.Error() != want {
		t.Fatalf("message %q, want %q", err, want)
	}
	// The post-apply check catches a config no option produced.
	c := defaultConfig()
	c.fps = 0
	if err := c.validate(); !errors.Is(err, ErrBadOption) {
		t.Fatalf("validate: %v", err)
	}
}

func TestGoodOptionsAndInfo(t *testing.T) {
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	in := s.Info()
	if in.Name != "testpattern" || !in.Live || in.Video.Width != 1280 || in.Video.Height != 720 ||
		in.Video.FrameRate != (media.Rational{Num: 30, Den: 1}) || in.Video.Format != media.PixelI420 {
		t.Fatalf("default info %+v video %+v", in, in.Video)
	}
	if *in.Audio != (capture.AudioInfo{Format: media.SampleS16, SampleRate: 48000, Channels: 2}) {
		t.Fatalf("audio info %+v", in.Audio)
	}
	s, err = New(WithSize(160, 120), WithSize(3840, 2160), WithFrameRate(120), WithFrameRate(1),
		WithAVOffset(time.Second), WithAVOffset(-time.Second), WithRealTime(false),
		WithClock(&media.ManualClock{}), WithWallTime(time.Now), WithLimit(0))
	if err != nil {
		t.Fatal(err)
	}
	if in := s.Info(); in.Live || in.Video.Width != 3840 || in.Video.FrameRate.Num != 1 {
		t.Fatalf("info %+v %+v", in, in.Video)
	}
	if s.Close() != nil || s.Close() != nil {
		t.Fatal("Close not idempotent")
	}
}
