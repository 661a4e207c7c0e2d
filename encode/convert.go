package encode

import (
	"fmt"

	"github.com/asticode/go-astiav"

	"github.com/onair-dev/onair/media"
)

// converter scales and converts frames whose format or size differs from
// the encoder's with swscale. It owns one source frame and one sws context.
type converter struct {
	format        media.PixelFormat
	width, height int
	src           *astiav.Frame
	sws           *astiav.SoftwareScaleContext
}

func avPixelFormat(p media.PixelFormat) (astiav.PixelFormat, error) {
	switch p {
	case media.PixelI420:
		return astiav.PixelFormatYuv420P, nil
	case media.PixelRGB24:
		return astiav.PixelFormatRgb24, nil
	case media.PixelBGR24:
		return astiav.PixelFormatBgr24, nil
	}
	return astiav.PixelFormatNone, fmt.Errorf("pixel format %v not supported", p)
}

func newConverter(f *media.VideoFrame, dstW, dstH int) (*converter, error) {
	pf, err := avPixelFormat(f.Format)
	if err != nil {
		return nil, err
	}
	c := &converter{format: f.Format, width: f.Width, height: f.Height, src: astiav.AllocFrame()}
	c.src.SetWidth(f.Width)
	c.src.SetHeight(f.Height)
	c.src.SetPixelFormat(pf)
	if err := c.src.AllocBuffer(0); err != nil {
		c.Close()
		return nil, err
	}
	c.sws, err = astiav.CreateSoftwareScaleContext(f.Width, f.Height, pf, dstW, dstH, astiav.PixelFormatYuv420P,
		astiav.NewSoftwareScaleContextFlags(astiav.SoftwareScaleContextFlagBilinear))
	if err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func (c *converter) matches(f *media.VideoFrame) bool {
	return c.format == f.Format && c.width == f.Width && c.height == f.Height
}

func (c *converter) convert(f *media.VideoFrame, dst *astiav.Frame) error {
	for i := 0; i < f.Format.Planes(); i++ {
		rowBytes, rows := f.PlaneSize(i)
		ls := c.src.Linesize()[i]
		d := planeBytes(c.src, i, rows)
		for y := 0; y < rows; y++ {
			copy(d[y*ls:y*ls+rowBytes], f.Plane[i][y*f.Stride[i]:y*f.Stride[i]+rowBytes])
		}
	}
	return c.sws.ScaleFrame(c.src, dst)
}

// Close frees the converter; nil-safe and idempotent.
func (c *converter) Close() {
	if c == nil {
		return
	}
	if c.sws != nil {
		c.sws.Free()
		c.sws = nil
	}
	if c.src != nil {
		c.src.Free()
		c.src = nil
	}
}
