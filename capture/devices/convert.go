package devices

import (
	"encoding/binary"
	"fmt"
	"image"

	"github.com/pion/mediadevices/pkg/wave"

	"github.com/onair-dev/onair/media"
)

// toI420 copies any image into a new I420 frame: 4:2:0 YCbCr row by row
// (honouring strides and sub-rectangles), 4:2:2 by averaging chroma row
// pairs, anything else through BT.601 limited-range RGB conversion.
func toI420(img image.Image) (*media.VideoFrame, error) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("devices: empty image %v", b)
	}
	f := media.NewVideoFrame(media.PixelI420, w, h)
	cw, ch := (w+1)/2, (h+1)/2
	switch m := img.(type) {
	case *image.YCbCr:
		if m.SubsampleRatio != image.YCbCrSubsampleRatio420 && m.SubsampleRatio != image.YCbCrSubsampleRatio422 {
			break
		}
		if b.Min.X%2 != 0 || b.Min.Y%2 != 0 {
			break
		}
		for y := 0; y < h; y++ {
			o := m.YOffset(b.Min.X, b.Min.Y+y)
			copy(f.Plane[0][y*f.Stride[0]:y*f.Stride[0]+w], m.Y[o:o+w])
		}
		for y := 0; y < ch; y++ {
			if m.SubsampleRatio == image.YCbCrSubsampleRatio420 {
				o := m.COffset(b.Min.X, b.Min.Y+2*y)
				copy(f.Plane[1][y*cw:y*cw+cw], m.Cb[o:o+cw])
				copy(f.Plane[2][y*cw:y*cw+cw], m.Cr[o:o+cw])
				continue
			}
			// 4:2:2: chroma rows are full height; average each pair.
			o0 := m.COffset(b.Min.X, b.Min.Y+2*y)
			o1 := o0
			if 2*y+1 < h {
				o1 = m.COffset(b.Min.X, b.Min.Y+2*y+1)
			}
			for x := 0; x < cw; x++ {
				f.Plane[1][y*cw+x] = uint8((int(m.Cb[o0+x]) + int(m.Cb[o1+x]) + 1) / 2)
				f.Plane[2][y*cw+x] = uint8((int(m.Cr[o0+x]) + int(m.Cr[o1+x]) + 1) / 2)
			}
		}
		return f, nil
	case *image.RGBA:
		rgbToI420(f, w, h, func(x, y int) (int, int, int) {
			o := m.PixOffset(b.Min.X+x, b.Min.Y+y)
			return int(m.Pix[o]), int(m.Pix[o+1]), int(m.Pix[o+2])
		})
		return f, nil
	}
	rgbToI420(f, w, h, func(x, y int) (int, int, int) {
		r, g, bl, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
		return int(r >> 8), int(g >> 8), int(bl >> 8)
	})
	return f, nil
}

// rgbToI420 fills f from a pixel getter: Y per pixel, U/V from the mean of
// each 2x2 block (BT.601, limited range).
func rgbToI420(f *media.VideoFrame, w, h int, at func(x, y int) (int, int, int)) {
	for y := 0; y < h; y++ {
		row := f.Plane[0][y*f.Stride[0]:]
		for x := 0; x < w; x++ {
			r, g, b := at(x, y)
			row[x] = uint8((66*r+129*g+25*b+128)>>8 + 16)
		}
	}
	cw := f.Stride[1]
	for cy := 0; cy < (h+1)/2; cy++ {
		for cx := 0; cx < cw; cx++ {
			var sr, sg, sb, n int
			for dy := 0; dy < 2; dy++ {
				for dx := 0; dx < 2; dx++ {
					x, y := 2*cx+dx, 2*cy+dy
					if x >= w || y >= h {
						continue
					}
					r, g, b := at(x, y)
					sr, sg, sb, n = sr+r, sg+g, sb+b, n+1
				}
			}
			r, g, b := sr/n, sg/n, sb/n
			f.Plane[1][cy*cw+cx] = uint8((-38*r-74*g+112*b+128)>>8 + 128)
			f.Plane[2][cy*cw+cx] = uint8((112*r-94*g-18*b+128)>>8 + 128)
		}
	}
}

// toS16Stereo converts a chunk to interleaved S16 stereo: mono duplicated,
// channels beyond two dropped.
func toS16Stereo(a wave.Audio) []byte {
	ci := a.ChunkInfo()
	out := make([]byte, ci.Len*Channels*2)
	src := func(i, c int) int16 {
		switch t := a.(type) {
		case *wave.Int16Interleaved:
			return t.Data[i*ci.Channels+c]
		case *wave.Float32Interleaved:
			return f32ToS16(t.Data[i*ci.Channels+c])
		}
		v := a.At(i, c).Int() >> 16
		if v > 32767 {
			v = 32767
		} else if v < -32768 {
			v = -32768
		}
		return int16(v)
	}
	for i := 0; i < ci.Len; i++ {
		l := src(i, 0)
		r := l
		if ci.Channels > 1 {
			r = src(i, 1)
		}
		binary.LittleEndian.PutUint16(out[i*4:], uint16(l))
		binary.LittleEndian.PutUint16(out[i*4+2:], uint16(r))
	}
	return out
}

func f32ToS16(v float32) int16 {
	s := v * 32768
	if s > 32767 {
		return 32767
	}
	if s < -32768 {
		return -32768
	}
	return int16(s)
}
