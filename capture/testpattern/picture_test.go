package testpattern

import (
	"testing"
	"time"

	"github.com/onair-dev/onair/media"
)

var testWall = time.Date(2025, 3, 14, 12, 34, 56, 789e6, time.UTC)

// meanY averages luma above the barcode strip.
func meanY(f *media.VideoFrame) float64 {
	top := f.Height - StripHeight(f.Height)
	var sum int
	for y := 0; y < top; y++ {
		for _, v := range f.Plane[0][y*f.Stride[0] : y*f.Stride[0]+f.Width] {
			sum += int(v)
		}
	}
	return float64(sum) / float64(top*f.Width)
}

func TestFlashFrames(t *testing.T) {
	for _, fps := range []int{30, 25, 1} {
		s, _ := New(WithFrameRate(fps), WithRealTime(false))
		for n := 0; n < 6*fps; n++ {
			f := s.Frame(int64(n), testWall)
			m := meanY(f)
			flash := n%(2*fps) == 0
			if IsFlashFrame(n, fps) != flash {
				t.Fatalf("IsFlashFrame(%d, %d) = %v", n, fps, !flash)
			}
			if flash && m <= 220 {
				t.Fatalf("fps %d flash frame %d mean Y %.1f", fps, n, m)
			}
			if !flash && m > 150 {
				t.Fatalf("fps %d frame %d mean Y %.1f, too bright", fps, n, m)
			}
			// The strip survives the flash.
			if b, err := DecodeI420(f); err != nil || b.Frame != uint32(n) {
				t.Fatalf("frame %d barcode %+v %v", n, b, err)
			}
		}
	}
}

func TestPictureMovesAndStaysInRange(t *testing.T) {
	for _, sz := range [][2]int{{160, 120}, {1280, 720}, {1918, 1080}, {3840, 2160}} {
		s, _ := New(WithSize(sz[0], sz[1]))
		a, b := s.Frame(1, testWall), s.Frame(2, testWall)
		for p := 0; p < 3; p++ {
			diff := 0
			for i := range a.Plane[p] {
				if a.Plane[p][i] != b.Plane[p][i] {
					diff++
				}
				if v := a.Plane[p][i]; v < 16 || (p == 0 && v > 235) || (p > 0 && v > 240) {
					t.Fatalf("%v plane %d value %d out of limited range", sz, p, v)
				}
			}
			if diff < len(a.Plane[p])/50 {
				t.Fatalf("%v plane %d: only %d samples changed between frames", sz, p, diff)
			}
		}
	}
}

func TestOverlayText(t *testing.T) {
	s, _ := New()
	f := s.Frame(123, testWall)
	// The box is dark and the text bright: both luma extremes near the top-left.
	var dark, bright int
	for y := 0; y < 80; y++ {
		for _, v := range f.Plane[0][y*f.Stride[0] : y*f.Stride[0]+700] {
			switch v {
			case lumaBlack:
				dark++
			case lumaWhite:
				bright++
			}
		}
	}
	if dark < 10000 || bright < 3000 {
		t.Fatalf("overlay: %d dark, %d bright pixels", dark, bright)
	}
	// Different times render differently.
	g := s.Frame(123, testWall.Add(time.Second))
	if string(f.Plane[0][:80*f.Stride[0]]) == string(g.Plane[0][:80*g.Stride[0]]) {
		t.Fatal("wall time not burned in")
	}
	for _, c := range "#0123456789:. " {
		if _, ok := font[byte(c)]; !ok {
			t.Fatalf("font lacks %q", c)
		}
	}
}

func BenchmarkGenerate720p(b *testing.B) {
	s, _ := New()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s.Frame(int64(i%59+1), testWall)
	}
}
