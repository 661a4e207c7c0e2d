package media

import (
	"fmt"
	"time"
)

// PixelFormat names the memory layout of a VideoFrame.
type PixelFormat int

const (
	// PixelI420 is planar YUV 4:2:0: a full-size Y plane, then quarter-size U and V.
	PixelI420 PixelFormat = iota + 1
	// PixelRGB24 is packed 8-bit R, G, B.
	PixelRGB24
	// PixelBGR24 is packed 8-bit B, G, R (OpenCV's native order).
	PixelBGR24
)

func (p PixelFormat) String() string {
	switch p {
	case PixelI420:
		return "i420"
	case PixelRGB24:
		return "rgb24"
	case PixelBGR24:
		return "bgr24"
	}
	return fmt.Sprintf("pixel(%d)", int(p))
}

// Planes is how many planes frames of this format carry.
func (p PixelFormat) Planes() int {
	if p == PixelI420 {
		return 3
	}
	return 1
}

// VideoFrame is one raw picture. Planes may have padding at the end of each
// row, so Stride[i] (bytes per row of plane i) can exceed the visible width.
type VideoFrame struct {
	Format PixelFormat
	Width  int
	Height int
	Plane  [3][]byte
	Stride [3]int
	// PTS is the presentation time on the session clock.
	PTS time.Duration
	// Seq counts frames from the source's start; gaps mean frames were lost upstream.
	Seq uint64
}

// NewVideoFrame allocates a tightly packed frame (stride = row width in bytes).
func NewVideoFrame(format PixelFormat, width, height int) *VideoFrame {
	f := &VideoFrame{Format: format, Width: width, Height: height}
	switch format {
	case PixelI420:
		cw, ch := (width+1)/2, (height+1)/2
		f.Stride = [3]int{width, cw, cw}
		buf := make([]byte, width*height+2*cw*ch)
		f.Plane[0] = buf[: width*height : width*height]
		f.Plane[1] = buf[width*height : width*height+cw*ch : width*height+cw*ch]
		f.Plane[2] = buf[width*height+cw*ch:]
	case PixelRGB24, PixelBGR24:
		f.Stride[0] = width * 3
		f.Plane[0] = make([]byte, width*3*height)
	default:
		panic(fmt.Sprintf("media: NewVideoFrame: unsupported format %v", format))
	}
	return f
}

// PlaneSize returns the visible width in bytes and the height of plane i.
func (f *VideoFrame) PlaneSize(i int) (rowBytes, rows int) {
	switch f.Format {
	case PixelI420:
		if i == 0 {
			return f.Width, f.Height
		}
		return (f.Width + 1) / 2, (f.Height + 1) / 2
	case PixelRGB24, PixelBGR24:
		if i == 0 {
			return f.Width * 3, f.Height
		}
	}
	return 0, 0
}

// Validate reports a frame whose planes are too small for its size and strides,
// so a bad frame is refused at the boundary instead of read out of bounds in C.
func (f *VideoFrame) Validate() error {
	if f.Width <= 0 || f.Height <= 0 {
		return fmt.Errorf("media: frame size %dx%d: %w", f.Width, f.Height, ErrBadFrame)
	}
	n := f.Format.Planes()
	if f.Format != PixelI420 && f.Format != PixelRGB24 && f.Format != PixelBGR24 {
		return fmt.Errorf("media: pixel format %v: %w", f.Format, ErrBadFrame)
	}
	for i := 0; i < n; i++ {
		rowBytes, rows := f.PlaneSize(i)
		if f.Stride[i] < rowBytes {
			return fmt.Errorf("media: plane %d stride %d < row %d: %w", i, f.Stride[i], rowBytes, ErrBadFrame)
		}
		if need := f.Stride[i]*(rows-1) + rowBytes; len(f.Plane[i]) < need {
			return fmt.Errorf("media: plane %d has %d bytes, needs %d: %w", i, len(f.Plane[i]), need, ErrBadFrame)
		}
	}
	return nil
}

// Clone returns a deep copy that shares no memory with f.
func (f *VideoFrame) Clone() *VideoFrame {
	c := *f
	for i := 0; i < f.Format.Planes(); i++ {
		c.Plane[i] = append([]byte(nil), f.Plane[i]...)
	}
	return &c
}
