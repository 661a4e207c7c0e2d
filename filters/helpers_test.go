package filters

import (
	"image"
	"math"
	"math/rand"
	"testing"

	"gocv.io/x/gocv"
)

// bgr is one pixel in OpenCV's channel order.
type bgr [3]uint8

// newFrame returns a w×h BGR Mat filled by fn (nil = black).
func newFrame(t testing.TB, w, h int, fn func(x, y int) bgr) gocv.Mat {
	t.Helper()
	m := gocv.NewMatWithSize(h, w, gocv.MatTypeCV8UC3)
	buf, err := m.DataPtrUint8()
	if err != nil {
		t.Fatal(err)
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var p bgr
			if fn != nil {
				p = fn(x, y)
			}
			i := (y*w + x) * 3
			buf[i], buf[i+1], buf[i+2] = p[0], p[1], p[2]
		}
	}
	return m
}

func noise(seed int64) func(x, y int) bgr {
	r := rand.New(rand.NewSource(seed))
	return func(x, y int) bgr { return bgr{uint8(r.Intn(256)), uint8(r.Intn(256)), uint8(r.Intn(256))} }
}

func uniform(p bgr) func(x, y int) bgr { return func(int, int) bgr { return p } }

// pixels copies a continuous BGR Mat out as a w×h grid.
type pixels struct {
	w, h int
	b    []byte
}

func read(t testing.TB, m gocv.Mat) pixels {
	t.Helper()
	if m.Type() != gocv.MatTypeCV8UC3 {
		t.Fatalf("mat type %v, want CV_8UC3", m.Type())
	}
	return pixels{w: m.Cols(), h: m.Rows(), b: m.ToBytes()}
}

func (p pixels) at(x, y int) bgr {
	i := (y*p.w + x) * 3
	return bgr{p.b[i], p.b[i+1], p.b[i+2]}
}

func (p pixels) luma(x, y int) float64 {
	c := p.at(x, y)
	return 0.114*float64(c[0]) + 0.587*float64(c[1]) + 0.299*float64(c[2])
}

// localVariance is the mean, over r, of the variance of luma in each 3×3
// neighbourhood: high for texture and edges, low for smooth areas.
func (p pixels) localVariance(r image.Rectangle) float64 {
	r = r.Intersect(image.Rect(1, 1, p.w-1, p.h-1))
	var sum float64
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			var s, s2 float64
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					v := p.luma(x+dx, y+dy)
					s += v
					s2 += v * v
				}
			}
			m := s / 9
			sum += s2/9 - m*m
			n++
		}
	}
	return sum / float64(n)
}

func (p pixels) meanLuma() float64 {
	var s float64
	for y := 0; y < p.h; y++ {
		for x := 0; x < p.w; x++ {
			s += p.luma(x, y)
		}
	}
	return s / float64(p.w*p.h)
}

func (p pixels) stddevLuma() float64 {
	m := p.meanLuma()
	var s float64
	for y := 0; y < p.h; y++ {
		for x := 0; x < p.w; x++ {
			d := p.luma(x, y) - m
			s += d * d
		}
	}
	return math.Sqrt(s / float64(p.w*p.h))
}

func mustParse(t testing.TB, spec string) Filter {
	t.Helper()
	f, err := Parse(spec)
	if err != nil {
		t.Fatalf("Parse(%q): %v", spec, err)
	}
	return f
}

// apply runs spec once on a clone of src and returns the result's pixels.
func apply(t testing.TB, spec string, src gocv.Mat) pixels {
	t.Helper()
	f := mustParse(t, spec)
	defer f.Close()
	m := src.Clone()
	defer m.Close()
	if err := f.Apply(&m); err != nil {
		t.Fatalf("%s: Apply: %v", spec, err)
	}
	return read(t, m)
}

func absDiff(a, b uint8) int {
	d := int(a) - int(b)
	if d < 0 {
		return -d
	}
	return d
}

func loadAstronaut(t testing.TB) gocv.Mat {
	t.Helper()
	m := gocv.IMRead("../testdata/astronaut.jpg", gocv.IMReadColor)
	if m.Empty() {
		t.Fatal("cannot read ../testdata/astronaut.jpg")
	}
	return m
}
