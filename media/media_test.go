package media

import (
	"errors"
	"testing"
	"time"
)

func TestNewVideoFrameI420Layout(t *testing.T) {
	f := NewVideoFrame(PixelI420, 1281, 721)
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	if f.Stride[1] != 641 || len(f.Plane[1]) != 641*361 {
		t.Fatalf("chroma plane %d bytes stride %d", len(f.Plane[1]), f.Stride[1])
	}
	// Planes must not overlap: writing U must not change V.
	f.Plane[1][len(f.Plane[1])-1] = 7
	if f.Plane[2][0] != 0 {
		t.Fatal("U and V planes overlap")
	}
}

func TestValidateRejectsShortPlane(t *testing.T) {
	f := NewVideoFrame(PixelRGB24, 64, 32)
	f.Plane[0] = f.Plane[0][:len(f.Plane[0])-1]
	if err := f.Validate(); !errors.Is(err, ErrBadFrame) {
		t.Fatalf("got %v, want ErrBadFrame", err)
	}
	g := NewVideoFrame(PixelI420, 64, 32)
	g.Stride[0] = 10
	if err := g.Validate(); !errors.Is(err, ErrBadFrame) {
		t.Fatalf("stride below width: got %v", err)
	}
}

func TestSamplesToDurationIsExact(t *testing.T) {
	// 48000 * 3600 samples is exactly one hour: no float drift.
	if d := SamplesToDuration(48000*3600, 48000); d != time.Hour {
		t.Fatalf("got %v", d)
	}
	if d := SamplesToDuration(960, 48000); d != 20*time.Millisecond {
		t.Fatalf("got %v", d)
	}
}

func TestRationalRoundTrip(t *testing.T) {
	tb := Rational{1, 90000}
	for _, d := range []time.Duration{0, time.Second / 30, 33 * time.Millisecond, -time.Second} {
		got := tb.Duration(tb.Ticks(d))
		if diff := got - d; diff > 12*time.Microsecond || diff < -12*time.Microsecond {
			t.Fatalf("%v -> %v", d, got)
		}
	}
	if n := (Rational{1, 1000}).Ticks(1500 * time.Microsecond); n != 2 {
		t.Fatalf("rounding: got %d", n)
	}
}

func TestAudioValidate(t *testing.T) {
	a := NewAudioFrame(SampleS16, 48000, 2, 960, 48000)
	if a.PTS != time.Second || a.Duration() != 20*time.Millisecond {
		t.Fatalf("pts %v dur %v", a.PTS, a.Duration())
	}
	a.Data = a.Data[:10]
	if err := a.Validate(); !errors.Is(err, ErrBadFrame) {
		t.Fatal("short audio buffer accepted")
	}
}
