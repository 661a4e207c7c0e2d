package preview

import (
	"bytes"
	"fmt"
	"image"
	"testing"

	"github.com/onair-dev/onair/media"
)

// yuv is one BT.601 limited-range colour.
type yuv struct{ y, u, v byte }

var (
	white = yuv{235, 128, 128}
	black = yuv{16, 128, 128}
	red   = yuv{81, 90, 240} // BT.601 of R=255 G=0 B=0
	green = yuv{145, 54, 34}
	blue  = yuv{41, 240, 110}
)

// frame builds a w×h I420 frame; pad extra bytes end each row, filled with
// a value no colour here uses, so reading padding shows up as a wrong colour.
// paint gives the colour of luma pixel (x, y); chroma takes the top-left one.
func frame(w, h, pad int, paint func(x, y int) yuv) *media.VideoFrame {
	cw, ch := (w+1)/2, (h+1)/2
	f := &media.VideoFrame{Format: media.PixelI420, Width: w, Height: h,
		Stride: [3]int{w + pad, cw + pad/2, cw + pad}}
	for i, rows := range []int{h, ch, ch} {
		f.Plane[i] = bytes.Repeat([]byte{3}, f.Stride[i]*rows)
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := paint(x, y)
			f.Plane[0][y*f.Stride[0]+x] = c.y
			if x%2 == 0 && y%2 == 0 {
				f.Plane[1][y/2*f.Stride[1]+x/2] = c.u
				f.Plane[2][y/2*f.Stride[2]+x/2] = c.v
			}
		}
	}
	return f
}

func solid(c yuv) func(x, y int) yuv { return func(int, int) yuv { return c } }

// quadrants paints white, black / red, blue, split at the middle.
func quadrants(w, h int) func(x, y int) yuv {
	return func(x, y int) yuv {
		switch {
		case y < h/2 && x < w/2:
			return white
		case y < h/2:
			return black
		case x < w/2:
			return red
		}
		return blue
	}
}

type rgb struct{ r, g, b int }

var (
	wantWhite = rgb{255, 255, 255}
	wantBlack = rgb{0, 0, 0}
	wantRed   = rgb{255, 0, 0}
	wantGreen = rgb{0, 255, 0}
	wantBlue  = rgb{0, 0, 255}
)

func at(img *image.RGBA, x, y int) (rgb, byte) {
	i := img.PixOffset(x, y)
	p := img.Pix[i : i+4]
	return rgb{int(p[0]), int(p[1]), int(p[2])}, p[3]
}

func near(got, want rgb, tol int) bool {
	d := func(a, b int) bool { return a-b <= tol && b-a <= tol }
	return d(got.r, want.r) && d(got.g, want.g) && d(got.b, want.b)
}

// expect checks every pixel of img against want(x, y); ok=false skips one.
func expect(t *testing.T, img *image.RGBA, tol int, want func(x, y int) (rgb, bool)) {
	t.Helper()
	r := img.Rect
	bad := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			w, ok := want(x, y)
			if !ok {
				continue
			}
			if got, a := at(img, x, y); !near(got, w, tol) || a != 0xff {
				if bad++; bad <= 5 {
					t.Errorf("pixel (%d,%d) = %v alpha %d, want %v ±%d", x, y, got, a, w, tol)
				}
			}
		}
	}
	if bad > 5 {
		t.Errorf("... %d wrong pixels in all", bad)
	}
}

func TestConvertI420KnownColours(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   yuv
		want rgb
		tol  int
	}{
		{"white", white, wantWhite, 2},
		{"black", black, wantBlack, 2},
		{"red", red, wantRed, 3},
		{"green", green, wantGreen, 3},
		{"blue", blue, wantBlue, 3},
		{"mid grey", yuv{126, 128, 128}, rgb{128, 128, 128}, 2},
		{"below black clamps", yuv{0, 128, 128}, wantBlack, 0},
		{"above white clamps", yuv{255, 128, 128}, wantWhite, 0},
	} {
		for _, size := range []image.Point{{64, 36}, {32, 18}, {16, 9}, {100, 60}} {
			t.Run(fmt.Sprintf("%s/%v", tc.name, size), func(t *testing.T) {
				dst := image.NewRGBA(image.Rectangle{Max: size})
				if !ConvertI420(dst, frame(64, 36, 0, solid(tc.in))) {
					t.Fatal("ConvertI420 refused a valid frame")
				}
				expect(t, dst, tc.tol, func(int, int) (rgb, bool) { return tc.want, true })
			})
		}
	}
}

// Padding after each row, different for each plane, must never be read.
func TestConvertI420PaddedStrides(t *testing.T) {
	const w, h = 64, 36
	paint := quadrants(w, h)
	for _, size := range []image.Point{{64, 36}, {32, 18}, {16, 9}, {50, 30}} {
		tight := image.NewRGBA(image.Rectangle{Max: size})
		padded := image.NewRGBA(image.Rectangle{Max: size})
		ConvertI420(tight, frame(w, h, 0, paint))
		f := frame(w, h, 24, paint)
		if f.Stride[0] == w || f.Stride[1] == f.Stride[2] {
			t.Fatalf("strides %v are not padded differently", f.Stride)
		}
		if !ConvertI420(padded, f) {
			t.Fatal("ConvertI420 refused a padded frame")
		}
		if !bytes.Equal(tight.Pix, padded.Pix) {
			t.Errorf("%v: padded frame converts differently from a tight one", size)
		}
		expect(t, padded, 3, func(x, y int) (rgb, bool) {
			return quadrantWant(x, y, size.X, size.Y)
		})
	}
}

// quadrantWant is what quadrants(w, h) should look like at (x, y) of a
// dw×dh picture, skipping the pixels right at a split.
func quadrantWant(x, y, dw, dh int) (rgb, bool) {
	fx, fy := (float64(x)+0.5)/float64(dw), (float64(y)+0.5)/float64(dh)
	ex, ey := 1.5/float64(dw), 1.5/float64(dh)
	if fx > 0.5-ex && fx < 0.5+ex || fy > 0.5-ey && fy < 0.5+ey {
		return rgb{}, false
	}
	switch {
	case fy < 0.5 && fx < 0.5:
		return wantWhite, true
	case fy < 0.5:
		return wantBlack, true
	case fx < 0.5:
		return wantRed, true
	}
	return wantBlue, true
}

// Downscaling 720p keeps the picture where it was, exactly at 4:1 and 2:1
// (box filter) and near the split at other ratios (nearest neighbour).
func TestConvertI420ScalesKeepingSplits(t *testing.T) {
	f := frame(1280, 720, 0, quadrants(1280, 720))
	for _, size := range []image.Point{{320, 180}, {640, 360}, {1280, 720}, {333, 187}, {1000, 700}, {1920, 1080}} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			dst := image.NewRGBA(image.Rectangle{Max: size})
			ConvertI420(dst, f)
			expect(t, dst, 3, func(x, y int) (rgb, bool) { return quadrantWant(x, y, size.X, size.Y) })
		})
	}
	// At 4:1 the split is exact: column 159 white, 160 black.
	dst := image.NewRGBA(image.Rect(0, 0, 320, 180))
	ConvertI420(dst, f)
	for y := 0; y < 90; y++ {
		if l, _ := at(dst, 159, y); !near(l, wantWhite, 2) {
			t.Fatalf("(159,%d) = %v, want white", y, l)
		}
		if r, _ := at(dst, 160, y); !near(r, wantBlack, 2) {
			t.Fatalf("(160,%d) = %v, want black", y, r)
		}
	}
}

// Odd sizes: the last luma column and row use the last chroma sample, and
// nothing reads past the planes.
func TestConvertI420OddSizes(t *testing.T) {
	const w, h = 33, 17
	f := frame(w, h, 0, func(x, y int) yuv {
		if x == w-1 || y == h-1 {
			return red
		}
		return white
	})
	for _, size := range []image.Point{{33, 17}, {13, 7}, {1, 1}, {16, 8}, {67, 35}} {
		dst := image.NewRGBA(image.Rectangle{Max: size})
		if !ConvertI420(dst, f) {
			t.Fatalf("%v: refused", size)
		}
		if c, _ := at(dst, 0, 0); size.X > 1 && !near(c, wantWhite, 2) {
			t.Errorf("%v: top left %v, want white", size, c)
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	ConvertI420(dst, f)
	if c, _ := at(dst, w-1, 0); !near(c, wantRed, 3) {
		t.Errorf("last column %v, want red", c)
	}
	if c, _ := at(dst, 0, h-1); !near(c, wantRed, 3) {
		t.Errorf("last row %v, want red", c)
	}
}

// A sub-image destination (the letterbox) is filled and nothing around it.
func TestConvertI420SubImage(t *testing.T) {
	full := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for i := range full.Pix {
		full.Pix[i] = 0x11
	}
	view := full.SubImage(image.Rect(5, 4, 25, 19)).(*image.RGBA)
	ConvertI420(view, frame(64, 36, 0, solid(white)))
	for y := 0; y < 30; y++ {
		for x := 0; x < 40; x++ {
			c, a := at(full, x, y)
			inside := image.Pt(x, y).In(view.Rect)
			if inside && (!near(c, wantWhite, 2) || a != 0xff) || !inside && (c != rgb{0x11, 0x11, 0x11} || a != 0x11) {
				t.Fatalf("(%d,%d) = %v/%d, inside=%v", x, y, c, a, inside)
			}
		}
	}
}

func TestConvertRefuses(t *testing.T) {
	short := frame(64, 36, 0, solid(white))
	short.Plane[2] = short.Plane[2][:10]
	rgbFrame := media.NewVideoFrame(media.PixelRGB24, 4, 4)
	for name, f := range map[string]*media.VideoFrame{
		"nil":          nil,
		"short plane":  short,
		"zero size":    {Format: media.PixelI420},
		"not I420":     rgbFrame,
		"bad stride":   {Format: media.PixelI420, Width: 4, Height: 4, Stride: [3]int{2, 2, 2}, Plane: [3][]byte{make([]byte, 16), make([]byte, 4), make([]byte, 4)}},
		"unknown kind": {Format: media.PixelFormat(99), Width: 4, Height: 4},
	} {
		dst := image.NewRGBA(image.Rect(0, 0, 8, 8))
		if ConvertI420(dst, f) {
			t.Errorf("%s: accepted", name)
		}
		if !bytes.Equal(dst.Pix, make([]byte, len(dst.Pix))) {
			t.Errorf("%s: wrote into dst", name)
		}
	}
}

// NV12 (interleaved chroma) converts exactly like the same picture in I420.
func TestConvertNV12MatchesI420(t *testing.T) {
	const w, h = 65, 37
	f := frame(w, h, 6, quadrants(w, h))
	cw, ch := (w+1)/2, (h+1)/2
	uvStride := 2*cw + 4
	uv := make([]byte, uvStride*ch)
	for y := 0; y < ch; y++ {
		for x := 0; x < cw; x++ {
			uv[y*uvStride+2*x] = f.Plane[1][y*f.Stride[1]+x]
			uv[y*uvStride+2*x+1] = f.Plane[2][y*f.Stride[2]+x]
		}
	}
	for _, size := range []image.Point{{65, 37}, {32, 18}, {20, 11}, {100, 50}} {
		a := image.NewRGBA(image.Rectangle{Max: size})
		b := image.NewRGBA(image.Rectangle{Max: size})
		ConvertI420(a, f)
		if !ConvertNV12(b, w, h, f.Plane[0], f.Stride[0], uv, uvStride) {
			t.Fatal("ConvertNV12 refused")
		}
		if !bytes.Equal(a.Pix, b.Pix) {
			t.Errorf("%v: NV12 differs from I420", size)
		}
	}
	if ConvertNV12(image.NewRGBA(image.Rect(0, 0, 4, 4)), w, h, f.Plane[0], f.Stride[0], uv[:uvStride*(ch-1)+2*cw-1], uvStride) {
		t.Error("ConvertNV12 accepted a short UV plane")
	}
}

// The preview also draws the packed formats frames may arrive in.
func TestConvertFramePacked(t *testing.T) {
	for _, pf := range []media.PixelFormat{media.PixelRGB24, media.PixelBGR24} {
		f := media.NewVideoFrame(pf, 6, 4)
		for i := 0; i < len(f.Plane[0]); i += 3 {
			f.Plane[0][i], f.Plane[0][i+1], f.Plane[0][i+2] = 250, 20, 5 // red in RGB, blue in BGR
		}
		want := rgb{250, 20, 5}
		if pf == media.PixelBGR24 {
			want = rgb{5, 20, 250}
		}
		dst := image.NewRGBA(image.Rect(0, 0, 3, 2))
		if !convertFrame(dst, f) {
			t.Fatalf("%v refused", pf)
		}
		expect(t, dst, 0, func(int, int) (rgb, bool) { return want, true })
	}
}

func benchConvert(b *testing.B, w, h int) {
	f := frame(1280, 720, 0, func(x, y int) yuv { return yuv{byte(16 + (x+y)%220), byte(x), byte(y)} })
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	b.ReportAllocs()
	b.SetBytes(int64(len(dst.Pix)))
	for b.Loop() {
		ConvertI420(dst, f)
	}
}

func BenchmarkConvertI420_720pTo640x360(b *testing.B)  { benchConvert(b, 640, 360) }
func BenchmarkConvertI420_720pTo1280x720(b *testing.B) { benchConvert(b, 1280, 720) }
func BenchmarkConvertI420_720pTo320x180(b *testing.B)  { benchConvert(b, 320, 180) }

func TestConvertI420NoAllocs(t *testing.T) {
	f := frame(1280, 720, 0, quadrants(1280, 720))
	dst := image.NewRGBA(image.Rect(0, 0, 640, 360))
	if n := testing.AllocsPerRun(5, func() { ConvertI420(dst, f) }); n != 0 {
		t.Errorf("ConvertI420 allocates %v times per frame, want 0", n)
	}
}

// Halving or more averages 2×2 luma: fine stripes turn grey instead of
// aliasing into solid black or white.
func TestConvertI420BoxAverages(t *testing.T) {
	for name, paint := range map[string]func(x, y int) yuv{
		"rows":    func(_, y int) yuv { return []yuv{black, white}[y%2] },
		"columns": func(x, _ int) yuv { return []yuv{black, white}[x%2] },
	} {
		f := frame(1280, 720, 0, paint)
		for _, size := range []image.Point{{640, 360}, {320, 180}, {500, 300}} {
			dst := image.NewRGBA(image.Rectangle{Max: size})
			ConvertI420(dst, f)
			expect(t, dst, 2, func(int, int) (rgb, bool) { return rgb{128, 128, 128}, true })
			if t.Failed() {
				t.Fatalf("%s at %v", name, size)
			}
		}
	}
}
