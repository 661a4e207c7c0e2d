package filters

import (
	"errors"
	"image"
	"path/filepath"
	"testing"
	"time"
	"unsafe"

	"gocv.io/x/gocv"
)

func TestGrayEqualChannels(t *testing.T) {
	src := newFrame(t, 97, 61, noise(1))
	defer src.Close()
	out := apply(t, "gray", src)
	in := read(t, src)
	changed := 0
	for y := 0; y < out.h; y++ {
		for x := 0; x < out.w; x++ {
			p := out.at(x, y)
			if p[0] != p[1] || p[1] != p[2] {
				t.Fatalf("(%d,%d) = %v, want B=G=R", x, y, p)
			}
			if want := in.luma(x, y); absDiff(p[0], uint8(want+0.5)) > 1 {
				t.Fatalf("(%d,%d) gray %d, want luma %.1f", x, y, p[0], want)
			}
			if p != in.at(x, y) {
				changed++
			}
		}
	}
	if changed < out.w*out.h/2 {
		t.Errorf("only %d pixels changed", changed)
	}
}

func TestFlip(t *testing.T) {
	const w, h = 64, 40
	src := newFrame(t, w, h, func(x, y int) bgr { return bgr{uint8(x * 4), uint8(y * 6), uint8(x ^ y)} })
	defer src.Close()
	in := read(t, src)
	for _, c := range []struct {
		spec string
		from func(x, y int) (int, int)
	}{
		{"flip", func(x, y int) (int, int) { return w - 1 - x, y }}, // default = mirror
		{"flip:mode=h", func(x, y int) (int, int) { return w - 1 - x, y }},
		{"flip:mode=v", func(x, y int) (int, int) { return x, h - 1 - y }},
		{"flip:mode=both", func(x, y int) (int, int) { return w - 1 - x, h - 1 - y }},
	} {
		out := apply(t, c.spec, src)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				sx, sy := c.from(x, y)
				if out.at(x, y) != in.at(sx, sy) {
					t.Fatalf("%s: (%d,%d) = %v, want source (%d,%d) = %v", c.spec, x, y, out.at(x, y), sx, sy, in.at(sx, sy))
				}
			}
		}
	}
	// A known row, explicitly: mirror reverses it.
	out := apply(t, "flip:mode=h", src)
	for x := 0; x < w; x++ {
		if got := out.at(x, 7)[0]; got != uint8((w-1-x)*4) {
			t.Fatalf("mirrored row 7 col %d: blue %d, want %d", x, got, (w-1-x)*4)
		}
	}
	// flip v: each column read top-down is the original read bottom-up.
	out = apply(t, "flip:mode=v", src)
	for y := 0; y < h; y++ {
		if got := out.at(5, y)[1]; got != uint8((h-1-y)*6) {
			t.Fatalf("flipped column 5 row %d: green %d, want %d", y, got, (h-1-y)*6)
		}
	}
}

// chromaScene: left third pure green, middle third near-green (within
// tol 40), right third red and far-off green; 120×60.
func chromaScene(x, y int) bgr {
	switch {
	case x < 40:
		return bgr{0, 255, 0}
	case x < 80:
		return bgr{30, 220, 25}
	case y < 30:
		return bgr{0, 0, 255}
	default:
		return bgr{0, 160, 0} // 95 below the key's green: outside tol
	}
}

func TestChromaColour(t *testing.T) {
	src := newFrame(t, 120, 60, chromaScene)
	defer src.Close()
	in := read(t, src)
	out := apply(t, "chroma:color=00ff00,tol=40,bgcolor=3366cc", src)
	bg := bgr{0xcc, 0x66, 0x33}
	for y := 0; y < 60; y++ {
		for x := 0; x < 120; x++ {
			want := in.at(x, y)
			if x < 80 {
				want = bg
			}
			if out.at(x, y) != want {
				t.Fatalf("(%d,%d) = %v, want %v (input %v)", x, y, out.at(x, y), want, in.at(x, y))
			}
		}
	}
	// tol=0 keys the exact colour only.
	out = apply(t, "chroma:color=00ff00,tol=0", src)
	if out.at(10, 10) != (bgr{}) || out.at(50, 10) != in.at(50, 10) {
		t.Errorf("tol=0: key %v (want black), near-key %v (want unchanged)", out.at(10, 10), out.at(50, 10))
	}
}

func TestChromaImage(t *testing.T) {
	// Background 60×30 (half the frame's size): left half blue, right half yellow.
	bgm := newFrame(t, 60, 30, func(x, y int) bgr {
		if x < 30 {
			return bgr{255, 0, 0}
		}
		return bgr{0, 255, 255}
	})
	defer bgm.Close()
	path := filepath.Join(t.TempDir(), "bg.png")
	if !gocv.IMWrite(path, bgm) {
		t.Fatal("IMWrite")
	}
	// Frame 120×60: all green except a red square in the middle-left.
	src := newFrame(t, 120, 60, func(x, y int) bgr {
		if x >= 10 && x < 30 && y >= 20 && y < 40 {
			return bgr{0, 0, 255}
		}
		return bgr{10, 250, 5}
	})
	defer src.Close()
	f := mustParse(t, "chroma:color=00ff00,tol=40,bg="+path)
	defer f.Close()
	for round := 0; round < 2; round++ { // second round uses the cached resize
		m := src.Clone()
		if err := f.Apply(&m); err != nil {
			t.Fatal(err)
		}
		out := read(t, m)
		m.Close()
		check := func(x, y int, want bgr) {
			if out.at(x, y) != want {
				t.Fatalf("round %d (%d,%d) = %v, want %v", round, x, y, out.at(x, y), want)
			}
		}
		check(5, 5, bgr{255, 0, 0})      // key → background left (blue)
		check(100, 50, bgr{0, 255, 255}) // key → background right (yellow)
		check(40, 30, bgr{255, 0, 0})
		check(20, 30, bgr{0, 0, 255}) // red kept
		check(10, 20, bgr{0, 0, 255})
	}
	// A different frame size re-fits the background.
	small := newFrame(t, 30, 20, uniform(bgr{0, 255, 0}))
	defer small.Close()
	if err := f.Apply(&small); err != nil {
		t.Fatal(err)
	}
	out := read(t, small)
	if out.at(2, 2) != (bgr{255, 0, 0}) || out.at(27, 17) != (bgr{0, 255, 255}) {
		t.Errorf("30×20 frame: %v %v", out.at(2, 2), out.at(27, 17))
	}
}

func checkerboard(sq int) func(x, y int) bgr {
	return func(x, y int) bgr {
		if (x/sq+y/sq)%2 == 0 {
			return bgr{255, 255, 255}
		}
		return bgr{}
	}
}

func TestBlurLowersLocalVariance(t *testing.T) {
	src := newFrame(t, 128, 96, checkerboard(4))
	defer src.Close()
	in := read(t, src)
	all := image.Rect(0, 0, 128, 96)
	v0 := in.localVariance(all)
	prev := v0
	for _, k := range []int{3, 9, 15} {
		out := apply(t, "blur:k="+fmtInt(k), src)
		v := out.localVariance(all)
		t.Logf("k=%d local variance %.0f (original %.0f)", k, v, v0)
		if v >= prev {
			t.Errorf("k=%d: local variance %.0f not below %.0f", k, v, prev)
		}
		prev = v
		if m := out.meanLuma(); m < 120 || m > 135 {
			t.Errorf("k=%d: mean %.1f moved (blur keeps the mean ~127.5)", k, m)
		}
	}
	if prev > v0/10 {
		t.Errorf("k=15 left %.0f of %.0f local variance", prev, v0)
	}
	// k=1 is the identity.
	if out := apply(t, "blur:k=1", src); string(out.b) != string(in.b) {
		t.Error("blur:k=1 changed the frame")
	}
}

func TestCannyFindsSquare(t *testing.T) {
	const w, h = 160, 120
	sq := image.Rect(50, 30, 110, 90)
	src := newFrame(t, w, h, func(x, y int) bgr {
		if image.Pt(x, y).In(sq) {
			return bgr{200, 200, 200}
		}
		return bgr{20, 20, 20}
	})
	defer src.Close()
	out := apply(t, "canny:low=50,high=150", src)
	near := func(x, y int) bool { // within 2 px of the square's outline
		in := image.Pt(x, y).In(sq.Inset(-2))
		deep := image.Pt(x, y).In(sq.Inset(2))
		return in && !deep
	}
	white := 0
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			p := out.at(x, y)
			if p != (bgr{}) && p != (bgr{255, 255, 255}) {
				t.Fatalf("(%d,%d) = %v: not pure black/white", x, y, p)
			}
			if p[0] == 255 {
				white++
				if !near(x, y) {
					t.Fatalf("edge pixel at (%d,%d), far from the square", x, y)
				}
			}
		}
	}
	// Each side of the square has edge pixels at its middle.
	for _, pt := range []image.Point{{80, 30}, {80, 89}, {50, 60}, {109, 60}} {
		found := false
		for d := -2; d <= 2 && !found; d++ {
			found = out.at(pt.X+d, pt.Y)[0] == 255 || out.at(pt.X, pt.Y+d)[0] == 255
		}
		if !found {
			t.Errorf("no edge near %v", pt)
		}
	}
	if perim := 2 * (sq.Dx() + sq.Dy()); white < perim*3/4 {
		t.Errorf("%d edge pixels for a %d px outline", white, perim)
	}
}

func TestAdjust(t *testing.T) {
	src := newFrame(t, 80, 60, func(x, y int) bgr { return bgr{uint8(60 + x), uint8(90 + y), uint8(100 + x/2)} })
	defer src.Close()
	in := read(t, src)
	m0, s0 := in.meanLuma(), in.stddevLuma()

	out := apply(t, "adjust:brightness=40", src)
	if m := out.meanLuma(); m < m0+38 || m > m0+42 {
		t.Errorf("brightness=40: mean %.1f, want %.1f+40", m, m0)
	}
	out = apply(t, "adjust:brightness=-40", src)
	if m := out.meanLuma(); m > m0-38 {
		t.Errorf("brightness=-40: mean %.1f, want %.1f-40", m, m0)
	}
	out = apply(t, "adjust:contrast=2", src)
	if s := out.stddevLuma(); s < 1.8*s0 {
		t.Errorf("contrast=2: stddev %.1f, want ≈2×%.1f", s, s0)
	}
	out = apply(t, "adjust:saturation=0", src)
	for y := 0; y < out.h; y += 7 {
		for x := 0; x < out.w; x += 5 {
			p := out.at(x, y)
			if absDiff(p[0], p[1]) > 1 || absDiff(p[1], p[2]) > 1 {
				t.Fatalf("saturation=0: (%d,%d) = %v not gray", x, y, p)
			}
		}
	}
	out = apply(t, "adjust:saturation=2", src)
	spread := func(p bgr) int { return max(int(p[0]), int(p[1]), int(p[2])) - min(int(p[0]), int(p[1]), int(p[2])) }
	if a, b := spread(out.at(40, 30)), spread(in.at(40, 30)); a <= b {
		t.Errorf("saturation=2: channel spread %d, not above %d", a, b)
	}
	if out := apply(t, "adjust", src); string(out.b) != string(in.b) {
		t.Error("adjust with defaults changed the frame")
	}
}

func TestPixelateUniformBlocks(t *testing.T) {
	for _, c := range []struct{ w, h, k int }{{64, 48, 8}, {70, 50, 8}, {61, 37, 5}, {40, 40, 3}} {
		src := newFrame(t, c.w, c.h, noise(int64(c.w)))
		in := read(t, src)
		out := apply(t, "pixelate:block="+fmtInt(c.k), src)
		src.Close()
		for by := 0; by < c.h; by += c.k {
			for bx := 0; bx < c.w; bx += c.k {
				first := out.at(bx, by)
				var sum [3]int
				n := 0
				for y := by; y < min(by+c.k, c.h); y++ {
					for x := bx; x < min(bx+c.k, c.w); x++ {
						if out.at(x, y) != first {
							t.Fatalf("%dx%d k=%d: block (%d,%d) not uniform at (%d,%d): %v vs %v", c.w, c.h, c.k, bx, by, x, y, out.at(x, y), first)
						}
						p := in.at(x, y)
						sum[0], sum[1], sum[2] = sum[0]+int(p[0]), sum[1]+int(p[1]), sum[2]+int(p[2])
						n++
					}
				}
				// Full blocks hold the block's mean colour.
				if n == c.k*c.k {
					for i := 0; i < 3; i++ {
						if d := int(first[i]) - (sum[i]+n/2)/n; d < -1 || d > 1 {
							t.Fatalf("%dx%d k=%d: block (%d,%d) channel %d = %d, mean %d", c.w, c.h, c.k, bx, by, i, first[i], sum[i]/n)
						}
					}
				}
			}
		}
	}
}

func TestOverlayTouchesOnlyTextArea(t *testing.T) {
	const w, h = 480, 200
	clock := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	for _, spec := range []string{
		"overlay:text=ON AIR",
		"overlay:text=ON AIR,box=false,color=ff0000",
		"overlay:time=true,pos=br",
		"overlay:text=cam 1,time=true,pos=tr,scale=0.5",
		"overlay:text=bottom,pos=bl,scale=2,box=false",
	} {
		src := newFrame(t, w, h, uniform(bgr{90, 120, 150}))
		in := read(t, src)
		f := mustParse(t, spec)
		o := f.(*Overlay)
		o.now = func() time.Time { return clock }
		area := o.Area(image.Pt(w, h))
		if area.Empty() || !area.In(image.Rect(0, 0, w, h)) {
			t.Fatalf("%s: area %v", spec, area)
		}
		m := src.Clone()
		if err := f.Apply(&m); err != nil {
			t.Fatal(err)
		}
		out := read(t, m)
		changed := 0
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				if out.at(x, y) != in.at(x, y) {
					if !image.Pt(x, y).In(area) {
						t.Fatalf("%s: pixel (%d,%d) outside the text area %v changed", spec, x, y, area)
					}
					changed++
				}
			}
		}
		if changed < 50 {
			t.Errorf("%s: only %d pixels changed in %v", spec, changed, area)
		}
		// The corner matches pos.
		cx, cy := area.Min.X+area.Dx()/2 < w/2, area.Min.Y+area.Dy()/2 < h/2
		pos := o.opt.Pos
		if (pos[1] == 'l') != cx || (pos[0] == 't') != cy {
			t.Errorf("%s: area %v not in corner %s", spec, area, pos)
		}
		// The clock is drawn: another time, other pixels.
		if o.opt.Time {
			m2 := src.Clone()
			o.now = func() time.Time { return clock.Add(time.Hour + 11*time.Second) }
			f.Apply(&m2)
			if string(read(t, m2).b) == string(out.b) {
				t.Errorf("%s: the time does not show", spec)
			}
			m2.Close()
		}
		m.Close()
		src.Close()
		f.Close()
	}
	// Text larger than the frame is clipped, not an error.
	tiny := newFrame(t, 40, 20, nil)
	defer tiny.Close()
	f := mustParse(t, "overlay:text=a very long text that does not fit,scale=3")
	defer f.Close()
	if err := f.Apply(&tiny); err != nil {
		t.Fatal(err)
	}
}

// Every filter writes into the caller's memory (the stage hands it a Mat
// over GStreamer's mapped buffer) and produces the same result as on a
// Mat it owns.
func TestApplyInPlaceOnForeignMemory(t *testing.T) {
	ast := loadAstronaut(t)
	defer ast.Close()
	frame := gocv.NewMat()
	defer frame.Close()
	gocv.Resize(ast, &frame, image.Pt(480, 360), 0, 0, gocv.InterpolationArea)
	for _, spec := range allSpecs {
		want := apply(t, spec, frame)
		buf := append([]byte(nil), frame.ToBytes()...)
		m, err := gocv.NewMatFromBytes(360, 480, gocv.MatTypeCV8UC3, buf)
		if err != nil {
			t.Fatal(err)
		}
		before, _ := m.DataPtrUint8()
		f := mustParse(t, spec)
		if o, ok := f.(*Overlay); ok {
			o.now = func() time.Time { return time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC) }
		}
		if err := f.Apply(&m); err != nil {
			t.Fatalf("%s: %v", spec, err)
		}
		after, _ := m.DataPtrUint8()
		if unsafe.SliceData(before) != unsafe.SliceData(after) || unsafe.SliceData(after) != unsafe.SliceData(buf) {
			t.Errorf("%s: Apply reallocated the frame", spec)
		}
		if spec != allSpecs[len(allSpecs)-1] && string(buf) != string(want.b) { // overlay's clock differs from apply()'s
			t.Errorf("%s: result not written into the caller's buffer", spec)
		}
		if f.Name() != "chroma" && string(buf) == string(frame.ToBytes()) { // no key colour in the photo
			t.Errorf("%s: did not change the astronaut", spec)
		}
		m.Close()
		f.Close()
	}
}

func TestApplyRejectsBadFramesAndClosedFilters(t *testing.T) {
	gray1 := gocv.NewMatWithSize(10, 10, gocv.MatTypeCV8U)
	defer gray1.Close()
	empty := gocv.NewMat()
	defer empty.Close()
	ok := newFrame(t, 16, 16, nil)
	defer ok.Close()
	for _, spec := range allSpecs {
		f := mustParse(t, spec)
		for _, m := range []*gocv.Mat{&gray1, &empty, nil} {
			if err := f.Apply(m); !errors.Is(err, ErrBadFrame) {
				t.Errorf("%s: Apply(bad frame) = %v, want ErrBadFrame", spec, err)
			}
		}
		if err := f.Apply(&ok); err != nil {
			t.Errorf("%s: 16×16 frame: %v", spec, err)
		}
		if err := f.Close(); err != nil {
			t.Errorf("%s: Close: %v", spec, err)
		}
		if err := f.Close(); err != nil {
			t.Errorf("%s: second Close: %v", spec, err)
		}
		if err := f.Apply(&ok); !errors.Is(err, ErrFilterClosed) {
			t.Errorf("%s: Apply after Close = %v, want ErrFilterClosed", spec, err)
		}
	}
}
