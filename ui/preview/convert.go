package preview

import (
	"encoding/binary"
	"image"

	"github.com/onair-dev/onair/media"
)

// ConvertI420 draws the I420 frame f into dst, scaled to fill dst's bounds,
// with BT.601 limited-range integer maths. Scaling happens while converting
// (no full-size intermediate): a 2×2 luma box average when dst is at most half
// the source in both directions, nearest neighbour otherwise. f is only read.
// It reports false, leaving dst untouched, when f is nil, malformed or not I420.
func ConvertI420(dst *image.RGBA, f *media.VideoFrame) bool {
	return f != nil && f.Format == media.PixelI420 && convertFrame(dst, f)
}

// ConvertNV12 is ConvertI420 for NV12 (one plane of interleaved U,V after
// the luma plane), the layout cameras and hardware decoders often give.
// media has no NV12 format yet, so it takes bare planes.
func ConvertNV12(dst *image.RGBA, width, height int, y []byte, yStride int, uv []byte, uvStride int) bool {
	cw, ch := (width+1)/2, (height+1)/2
	if width <= 0 || height <= 0 || yStride < width || uvStride < 2*cw ||
		len(y) < yStride*(height-1)+width || len(uv) < uvStride*(ch-1)+2*cw {
		return false
	}
	yuv420(dst, width, height, y, yStride, uv, uvStride, uv[1:], uvStride, 2)
	return true
}

// convertFrame draws any frame format the preview knows.
func convertFrame(dst *image.RGBA, f *media.VideoFrame) bool {
	if f == nil || f.Validate() != nil {
		return false
	}
	switch f.Format {
	case media.PixelI420:
		yuv420(dst, f.Width, f.Height, f.Plane[0], f.Stride[0], f.Plane[1], f.Stride[1], f.Plane[2], f.Stride[2], 1)
	case media.PixelRGB24:
		packed(dst, f, 0, 2)
	case media.PixelBGR24:
		packed(dst, f, 2, 0)
	default:
		return false
	}
	return true
}

// sampler maps destination pixels onto source pixels in 16.16 fixed point:
// pixel i samples the source at the centre of its footprint, floor((i+½)·src/dst).
// The first position is ≥ 1 and the last ≤ src-1 whenever src ≥ 2·dst, so the
// box filter may read at p-1 and p.
type sampler struct{ pos, step int }

func newSampler(src, dst int) sampler {
	step := (src << 16) / dst
	return sampler{pos: step / 2, step: step}
}

func (s *sampler) next() int {
	p := s.pos >> 16
	s.pos += s.step
	return p
}

// yuv420 converts planar luma with 2×2-subsampled chroma; cstep is the
// distance between chroma samples (1 planar I420, 2 interleaved NV12).
func yuv420(dst *image.RGBA, w, h int, yp []byte, ys int, up []byte, us int, vp []byte, vs int, cstep int) {
	r := dst.Rect
	dw, dh := r.Dx(), r.Dy()
	if dw <= 0 || dh <= 0 {
		return
	}
	box := w >= 2*dw && h >= 2*dh
	rows := newSampler(h, dh)
	for dy := 0; dy < dh; dy++ {
		sy := rows.next()
		out := dst.Pix[dst.PixOffset(r.Min.X, r.Min.Y+dy):]
		out = out[: 4*dw : 4*dw]
		y0 := yp[sy*ys : sy*ys+w]
		y1 := y0
		if box {
			y0 = yp[(sy-1)*ys : (sy-1)*ys+w]
		}
		cy := sy >> 1
		if box {
			cy = (sy - 1) >> 1
		}
		ur := up[cy*us:]
		vr := vp[cy*vs:]
		cols := newSampler(w, dw)
		for dx := 0; dx < dw; dx++ {
			sx := cols.next()
			var Y int
			if box {
				sx--
				Y = (int(y0[sx]) + int(y0[sx+1]) + int(y1[sx]) + int(y1[sx+1]) + 2) >> 2
			} else {
				Y = int(y0[sx])
			}
			ci := (sx >> 1) * cstep
			c := 298*(Y-16) + 128
			d := int(ur[ci]) - 128
			e := int(vr[ci]) - 128
			binary.LittleEndian.PutUint32(out[4*dx:], uint32(clip[((c+409*e)>>8)&1023])|
				uint32(clip[((c-100*d-208*e)>>8)&1023])<<8|
				uint32(clip[((c+516*d)>>8)&1023])<<16|0xff<<24)
		}
	}
}

// packed scales a 24-bit RGB or BGR frame by nearest neighbour; ri and bi are
// the byte offsets of red and blue in a pixel.
func packed(dst *image.RGBA, f *media.VideoFrame, ri, bi int) {
	r := dst.Rect
	dw, dh := r.Dx(), r.Dy()
	if dw <= 0 || dh <= 0 {
		return
	}
	rows := newSampler(f.Height, dh)
	for dy := 0; dy < dh; dy++ {
		sy := rows.next()
		in := f.Plane[0][sy*f.Stride[0] : sy*f.Stride[0]+3*f.Width]
		out := dst.Pix[dst.PixOffset(r.Min.X, r.Min.Y+dy):]
		out = out[: 4*dw : 4*dw]
		cols := newSampler(f.Width, dw)
		for dx := 0; dx < dw; dx++ {
			p := in[3*cols.next():]
			p = p[:3:3]
			o := out[4*dx : 4*dx+4 : 4*dx+4]
			o[0], o[1], o[2], o[3] = p[ri], p[1], p[bi], 0xff
		}
	}
}

// clip saturates a converted value to 0..255 without branches: index it
// with v&1023. v stays within -277..481 for any 8-bit input, so the negative
// ones wrap to the top of the table.
var clip = func() (t [1024]uint8) {
	for i := range t {
		switch {
		case i >= 512:
			t[i] = 0
		case i > 255:
			t[i] = 255
		default:
			t[i] = uint8(i)
		}
	}
	return t
}()
