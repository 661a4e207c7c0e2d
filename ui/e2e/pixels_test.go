package e2e

import (
	"image"
	"image/color"
	"image/draw"
	"math"
	"math/rand/v2"
	"testing"
)

func toRGBA(img image.Image) *image.RGBA {
	if m, ok := img.(*image.RGBA); ok {
		return m
	}
	m := image.NewRGBA(img.Bounds())
	draw.Draw(m, m.Bounds(), img, img.Bounds().Min, draw.Src)
	return m
}

// crop is the part of img inside r (clipped to the image), sharing pixels.
func crop(t *testing.T, img *image.RGBA, r image.Rectangle) *image.RGBA {
	t.Helper()
	r = r.Intersect(img.Bounds())
	if r.Empty() {
		t.Fatalf("crop %v is outside the %v screenshot", r, img.Bounds())
	}
	return img.SubImage(r).(*image.RGBA)
}

func luma(c color.RGBA) float64 {
	return 0.299*float64(c.R) + 0.587*float64(c.G) + 0.114*float64(c.B)
}

// lumaStats is the mean and standard deviation of the luma of img's pixels.
func lumaStats(img *image.RGBA) (mean, sd float64) {
	b := img.Bounds()
	var sum, sq float64
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			l := luma(img.RGBAAt(x, y))
			sum += l
			sq += l * l
		}
	}
	n := float64(b.Dx() * b.Dy())
	mean = sum / n
	return mean, math.Sqrt(max(0, sq/n-mean*mean))
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

// changedPixels counts the pixels, at the same offset in two crops of the
// same size, whose colour differs by more than tol in some channel.
func changedPixels(a, b *image.RGBA, tol int) int {
	ra, rb := a.Bounds(), b.Bounds()
	n := 0
	for y := 0; y < min(ra.Dy(), rb.Dy()); y++ {
		for x := 0; x < min(ra.Dx(), rb.Dx()); x++ {
			p, q := a.RGBAAt(ra.Min.X+x, ra.Min.Y+y), b.RGBAAt(rb.Min.X+x, rb.Min.Y+y)
			if max(absDiff(p.R, q.R), absDiff(p.G, q.G), absDiff(p.B, q.B)) > tol {
				n++
			}
		}
	}
	return n
}

// countColour counts the pixels within tol of c in every channel.
func countColour(img *image.RGBA, c color.RGBA, tol int) int {
	b := img.Bounds()
	n := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			p := img.RGBAAt(x, y)
			if max(absDiff(p.R, c.R), absDiff(p.G, c.G), absDiff(p.B, c.B)) <= tol {
				n++
			}
		}
	}
	return n
}

// background is the most frequent colour of img.
func background(img *image.RGBA) color.RGBA {
	b := img.Bounds()
	seen := map[color.RGBA]int{}
	var best color.RGBA
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := img.RGBAAt(x, y)
			seen[c]++
			if seen[c] > seen[best] {
				best = c
			}
		}
	}
	return best
}

// glyphReport describes the ink of one line of text.
//
// Fyne 2.7 (internal/painter/font.go) draws every rune no loaded face has
// (glyph ID 0 after shaping) as U+FFFD, one by one at its own x: a line
// whose font is missing is a row of one and the same "�" shape. Distinct
// characters drawn with a real font give distinct shapes.
type glyphReport struct {
	Segments int // runs of inked columns, separated by at least one blank column
	Distinct int // different shapes among them
	Largest  int // how many share the most frequent shape
}

// inkThreshold is the luma distance from the background that counts as
// ink: the cores of the strokes, not their anti-aliased fringe.
const inkThreshold = 60

// glyphs splits the ink of img (one line of text on a plain background)
// into column runs and groups the runs of (nearly) the same shape.
func glyphs(img *image.RGBA) glyphReport {
	b := img.Bounds()
	bg := luma(background(img))
	w, h := b.Dx(), b.Dy()
	ink := make([]bool, w*h)
	top, bottom := h, -1
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if math.Abs(luma(img.RGBAAt(b.Min.X+x, b.Min.Y+y))-bg) > inkThreshold {
				ink[y*w+x] = true
				top, bottom = min(top, y), max(bottom, y)
			}
		}
	}
	if bottom < 0 {
		return glyphReport{}
	}
	column := func(x int) bool {
		for y := top; y <= bottom; y++ {
			if ink[y*w+x] {
				return true
			}
		}
		return false
	}
	type shape struct {
		w     int
		bits  []bool // (bottom-top+1) rows of w columns
		count int
	}
	var shapes []*shape
	var rep glyphReport
	for x := 0; x < w; {
		if !column(x) {
			x++
			continue
		}
		x0 := x
		for x < w && column(x) {
			x++
		}
		s := &shape{w: x - x0}
		for y := top; y <= bottom; y++ {
			s.bits = append(s.bits, ink[y*w+x0:y*w+x]...)
		}
		rep.Segments++
		var same *shape
		for _, o := range shapes {
			if similar(o.bits, o.w, s.bits, s.w) {
				same = o
				break
			}
		}
		if same == nil {
			same = s
			shapes = append(shapes, s)
		}
		same.count++
		rep.Largest = max(rep.Largest, same.count)
	}
	rep.Distinct = len(shapes)
	return rep
}

// similar reports whether two shapes of the same line are the same glyph:
// widths within a pixel, and at most 10 % of their ink differing.
func similar(a []bool, aw int, b []bool, bw int) bool {
	if aw-bw > 1 || bw-aw > 1 {
		return false
	}
	rows := len(a) / aw
	diff, inked := 0, 0
	for y := 0; y < rows; y++ {
		for x := 0; x < max(aw, bw); x++ {
			p := x < aw && a[y*aw+x]
			q := x < bw && b[y*bw+x]
			if p || q {
				inked++
			}
			if p != q {
				diff++
			}
		}
	}
	return inked == 0 || diff*10 <= inked
}

// TestGlyphsDetectsTofu checks the missing-glyph detector itself on drawn
// lines: a row of one repeated shape (what Fyne draws for runes no font
// has) is tofu, a row of different shapes is not.
func TestGlyphsDetectsTofu(t *testing.T) {
	const cells, cw, ch, pitch = 17, 12, 14, 16
	line := func(cell func(i int) []bool) *image.RGBA {
		img := image.NewRGBA(image.Rect(0, 0, cells*pitch+8, ch+10))
		draw.Draw(img, img.Bounds(), image.NewUniform(color.RGBA{0x14, 0x14, 0x17, 0xff}), image.Point{}, draw.Src)
		for i := range cells {
			bits := cell(i)
			for y := range ch {
				for x := range cw {
					if bits[y*cw+x] {
						img.SetRGBA(4+i*pitch+x, 5+y, color.RGBA{0xf0, 0xf0, 0xf0, 0xff})
					}
				}
			}
		}
		return img
	}
	diamond := make([]bool, cw*ch)
	for y := range ch {
		for x := range cw {
			dx, dy := math.Abs(float64(x)-5.5), math.Abs(float64(y)-6.5)
			diamond[y*cw+x] = dx/6+dy/7 <= 1 && !(dx < 1.5 && dy < 3 && dy > 0.5)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	random := func(int) []bool {
		bits := make([]bool, cw*ch)
		for i := range bits {
			bits[i] = r.IntN(3) == 0
		}
		bits[0], bits[ch*cw-1] = true, true // every cell spans the line's height
		return bits
	}

	tofu := glyphs(line(func(int) []bool { return diamond }))
	if tofu.Distinct != 1 || tofu.Largest != cells {
		t.Errorf("repeated shape: %+v, want %d segments of 1 shape", tofu, cells)
	}
	if !looksLikeTofu(tofu) {
		t.Errorf("repeated shape %+v not taken for tofu", tofu)
	}
	text := glyphs(line(random))
	if text.Distinct < cells-1 || looksLikeTofu(text) {
		t.Errorf("distinct shapes: %+v, want about %d distinct, not tofu", text, cells)
	}
	if empty := glyphs(line(func(int) []bool { return make([]bool, cw*ch) })); !looksLikeTofu(empty) {
		t.Errorf("a line without ink %+v not taken for missing text", empty)
	}
}

// minDistinct is how many different shapes a line of a dozen or more
// distinct characters must show at least.
const minDistinct = 8

// looksLikeTofu is the verdict on a line of distinct characters: too few
// different shapes, or one shape for half the line.
func looksLikeTofu(g glyphReport) bool {
	return g.Distinct < minDistinct || 2*g.Largest > g.Segments
}
