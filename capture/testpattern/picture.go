package testpattern

import (
	"fmt"
	"time"

	"github.com/onair-dev/onair/media"
)

// Motion per frame. Steps are even so luma and 4:2:0 chroma move together.
const (
	barsStep    = 4 // colour bars scroll right
	rainbowStep = 2 // rainbow scrolls left
)

// IsFlashFrame reports whether frame n is a white flash frame: one every
// FlashInterval, starting at n = 0.
func IsFlashFrame(n, fps int) bool { return fps > 0 && n >= 0 && n%(2*fps) == 0 }

// picture renders frames. The background bands are precomputed rows, twice
// the width so a scrolled row is a single copy: that keeps 720p well under
// a millisecond per frame.
type picture struct {
	w, h, fps   int
	stripTop    int
	barsH       int // luma rows of the bars band (even)
	barY, rainY []byte
	barU, barV  []byte
	rainU       []byte
	rainV       []byte
	scale       int
}

func newPicture(w, h, fps int) *picture {
	p := &picture{w: w, h: h, fps: fps, stripTop: h - StripHeight(h)}
	p.barsH = (p.stripTop * 2 / 3) &^ 1
	cw := w / 2
	p.barY, p.rainY = make([]byte, 2*w), make([]byte, 2*w)
	p.barU, p.barV = make([]byte, 2*cw), make([]byte, 2*cw)
	p.rainU, p.rainV = make([]byte, 2*cw), make([]byte, 2*cw)
	// 75% bars: white, yellow, cyan, green, magenta, red, blue, black.
	bars := [8][3]int{{191, 191, 191}, {191, 191, 0}, {0, 191, 191}, {0, 191, 0},
		{191, 0, 191}, {191, 0, 0}, {0, 0, 191}, {0, 0, 0}}
	for x := 0; x < w; x++ {
		b := bars[x*8/w]
		by, bu, bv := rgbToYUV(b[0], b[1], b[2])
		r, g, bl := hueRGB(x*360/w, 191)
		ry, ru, rv := rgbToYUV(r, g, bl)
		for _, i := range []int{x, x + w} {
			p.barY[i], p.rainY[i] = by, ry
			if x%2 == 0 {
				p.barU[i/2], p.barV[i/2] = bu, bv
				p.rainU[i/2], p.rainV[i/2] = ru, rv
			}
		}
	}
	// Scale the font so the overlay is large but always fits the width.
	p.scale = max(1, min(h/120, w/(len("#000000  00:00:00.000")*advanceW+5)))
	return p
}

// render allocates and draws frame n stamped with wall.
func (p *picture) render(n int64, wall time.Time) *media.VideoFrame {
	f := media.NewVideoFrame(media.PixelI420, p.w, p.h)
	b := Barcode{Frame: uint32(n), WallMs: uint64(wall.UnixMilli()) & wallMask}
	if n >= 0 && n%int64(2*p.fps) == 0 {
		fill(f.Plane[0][:p.stripTop*f.Stride[0]], lumaWhite)
		fill(f.Plane[1], chromaMid)
		fill(f.Plane[2], chromaMid)
		DrawBarcode(f, b)
		return f
	}
	p.background(f, n)
	p.square(f, n)
	p.overlay(f, n, wall)
	DrawBarcode(f, b)
	return f
}

func (p *picture) background(f *media.VideoFrame, n int64) {
	w, cw := p.w, p.w/2
	bs := w - int(n*barsStep%int64(w)) // right scroll: row[x] = table[x-shift]
	rs := int(n * rainbowStep % int64(w))
	for y := 0; y < p.stripTop; y++ {
		src := p.rainY[rs:]
		if y < p.barsH {
			src = p.barY[bs:]
		}
		copy(f.Plane[0][y*f.Stride[0]:y*f.Stride[0]+w], src[:w])
	}
	for y := 0; y < (p.stripTop+1)/2; y++ {
		u, v := p.rainU[rs/2:], p.rainV[rs/2:]
		if 2*y < p.barsH {
			u, v = p.barU[bs/2:], p.barV[bs/2:]
		}
		copy(f.Plane[1][y*f.Stride[1]:y*f.Stride[1]+cw], u[:cw])
		copy(f.Plane[2][y*f.Stride[2]:y*f.Stride[2]+cw], v[:cw])
	}
}

// square draws a bouncing square whose hue cycles, so chroma moves too.
func (p *picture) square(f *media.VideoFrame, n int64) {
	size := max(8, p.h/6) &^ 1
	x0 := bounce(n*int64(max(2, p.w/128)), p.w-size) &^ 1
	y0 := bounce(n*int64(max(2, p.h/96)), p.stripTop-size) &^ 1
	r, g, b := hueRGB(int(n*4%360), 235)
	yy, u, v := rgbToYUV(r, g, b)
	fillRect(f, x0, y0, min(x0+size, p.w), min(y0+size, p.stripTop), yy, u, v)
}

// overlay burns in "#frame  HH:MM:SS.mmm" on a dark box near the top-left.
func (p *picture) overlay(f *media.VideoFrame, n int64, wall time.Time) {
	s := fmt.Sprintf("#%06d  %s", n, wall.Format("15:04:05.000"))
	sc := p.scale
	pad := 2 * sc
	x0, y0 := pad&^1, pad&^1
	bw := ((len(s)*advanceW-1)*sc + 2*pad + 1) &^ 1
	bh := (glyphH*sc + 2*pad + 1) &^ 1
	fillRect(f, x0, y0, min(x0+bw, p.w), min(y0+bh, p.stripTop), lumaBlack, chromaMid, chromaMid)
	drawText(f.Plane[0], f.Stride[0], min(x0+bw, p.w), min(y0+bh, p.stripTop), x0+pad, y0+pad, sc, s, lumaWhite)
}

// bounce is a triangle wave over [0, span].
func bounce(t int64, span int) int {
	if span <= 0 {
		return 0
	}
	m := int(t % int64(2*span))
	if m > span {
		m = 2*span - m
	}
	return m
}

// fillRect fills luma [x0,x1)x[y0,y1) and the chroma covering it; x0, y0 even.
func fillRect(f *media.VideoFrame, x0, y0, x1, y1 int, y, u, v byte) {
	for r := y0; r < y1; r++ {
		fill(f.Plane[0][r*f.Stride[0]+x0:r*f.Stride[0]+x1], y)
	}
	for r := y0 / 2; r < (y1+1)/2; r++ {
		fill(f.Plane[1][r*f.Stride[1]+x0/2:r*f.Stride[1]+(x1+1)/2], u)
		fill(f.Plane[2][r*f.Stride[2]+x0/2:r*f.Stride[2]+(x1+1)/2], v)
	}
}

func fill(b []byte, v byte) {
	for i := range b {
		b[i] = v
	}
}

// rgbToYUV is BT.601 limited range, 8-bit fixed point.
func rgbToYUV(r, g, b int) (y, u, v byte) {
	return byte(16 + (66*r+129*g+25*b+128)>>8),
		byte(128 + (-38*r-74*g+112*b+128)>>8),
		byte(128 + (112*r-94*g-18*b+128)>>8)
}

// hueRGB is a fully saturated colour of hue h degrees at level lv.
func hueRGB(h, lv int) (r, g, b int) {
	h = ((h % 360) + 360) % 360
	x := lv * (h % 60) / 60
	switch h / 60 {
	case 0:
		return lv, x, 0
	case 1:
		return lv - x, lv, 0
	case 2:
		return 0, lv, x
	case 3:
		return 0, lv - x, lv
	case 4:
		return x, 0, lv
	default:
		return lv, 0, lv - x
	}
}
