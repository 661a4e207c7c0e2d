package testpattern

import (
	"fmt"

	"github.com/onair-dev/onair/media"
)

// Barcode layout, MSB first: 4 sync bits 1010, 32 bits frame number,
// 40 bits wall-clock ms since the Unix epoch, 4 bits checksum.
const (
	BarcodeCells = 80
	syncBits     = 4
	frameBits    = 32
	wallBits     = 40
	checkBits    = 4
	wallMask     = 1<<wallBits - 1

	lumaBlack = 16
	lumaWhite = 235
	chromaMid = 128
)

// Barcode is what one frame's strip carries.
type Barcode struct {
	Frame  uint32
	WallMs uint64 // ms since the Unix epoch, mod 2^40
}

// StripHeight is the barcode strip's height in rows for a frame of that height.
func StripHeight(height int) int { return max(16, height/22) }

// checksum XORs the eighteen nibbles of the 72 payload bits.
func checksum(frame uint32, wallMs uint64) uint8 {
	var c uint64
	for v := uint64(frame); v != 0; v >>= 4 {
		c ^= v & 0xf
	}
	for v := wallMs & wallMask; v != 0; v >>= 4 {
		c ^= v & 0xf
	}
	return uint8(c)
}

// Encode returns the 80 cells of the strip, true = white.
func Encode(frame uint32, wallMs uint64) [BarcodeCells]bool {
	var bits [BarcodeCells]bool
	i := 0
	put := func(v uint64, n int) {
		for b := n - 1; b >= 0; b-- {
			bits[i] = v>>uint(b)&1 == 1
			i++
		}
	}
	put(0b1010, syncBits)
	put(uint64(frame), frameBits)
	put(wallMs&wallMask, wallBits)
	put(uint64(checksum(frame, wallMs)), checkBits)
	return bits
}

// DecodeBits is the inverse of Encode.
func DecodeBits(bits [BarcodeCells]bool) (Barcode, error) {
	i := 0
	get := func(n int) uint64 {
		var v uint64
		for ; n > 0; n-- {
			v <<= 1
			if bits[i] {
				v |= 1
			}
			i++
		}
		return v
	}
	if s := get(syncBits); s != 0b1010 {
		return Barcode{}, fmt.Errorf("testpattern: sync bits %04b, want 1010: %w", s, ErrNoBarcode)
	}
	b := Barcode{Frame: uint32(get(frameBits)), WallMs: get(wallBits)}
	if c, want := uint8(get(checkBits)), checksum(b.Frame, b.WallMs); c != want {
		return Barcode{}, fmt.Errorf("testpattern: checksum %x, want %x (frame %d): %w", c, want, b.Frame, ErrBarcodeChecksum)
	}
	return b, nil
}

// DrawBarcode paints the strip into the bottom rows of an I420 frame.
func DrawBarcode(f *media.VideoFrame, b Barcode) {
	bits := Encode(b.Frame, b.WallMs)
	w, h := f.Width, f.Height
	top := h - StripHeight(h)
	cell := w / BarcodeCells
	row := f.Plane[0][top*f.Stride[0]:]
	line := row[:w]
	for x := range line {
		line[x] = lumaBlack // leftover pixels past 80 cells stay black
	}
	for i, on := range bits {
		if on {
			c := line[i*cell : (i+1)*cell]
			for x := range c {
				c[x] = lumaWhite
			}
		}
	}
	for y := top + 1; y < h; y++ {
		copy(f.Plane[0][y*f.Stride[0]:y*f.Stride[0]+w], line)
	}
	cw, ch := f.PlaneSize(1)
	for p := 1; p <= 2; p++ {
		for y := top / 2; y < ch; y++ {
			r := f.Plane[p][y*f.Stride[p] : y*f.Stride[p]+cw]
			for x := range r {
				r[x] = chromaMid
			}
		}
	}
}

// DecodeBarcode reads the strip from any luma source (a decoded frame, a
// canvas converted to luma). It samples the middle of each cell on the
// strip's middle row, averaging a small window so codec blur and ringing
// near cell edges do not flip bits; threshold 128 works for both limited
// (16/235) and full (0/255) range.
func DecodeBarcode(luma func(x, y int) uint8, width, height int) (Barcode, error) {
	cell := width / BarcodeCells
	if cell < 1 || height < 1 {
		return Barcode{}, fmt.Errorf("testpattern: frame %dx%d too small for a strip: %w", width, height, ErrNoBarcode)
	}
	sh := min(StripHeight(height), height)
	mid := height - sh + sh/2
	rx := min(cell/4, 2)
	ry := min(sh/4, 2)
	var bits [BarcodeCells]bool
	for i := range bits {
		cx := i*cell + cell/2
		sum, n := 0, 0
		for y := max(0, mid-ry); y <= min(height-1, mid+ry); y++ {
			for x := cx - rx; x <= cx+rx; x++ {
				sum += int(luma(x, y))
				n++
			}
		}
		bits[i] = sum >= 128*n
	}
	return DecodeBits(bits)
}

// DecodeI420 reads the strip of an I420 frame.
func DecodeI420(f *media.VideoFrame) (Barcode, error) {
	if f == nil || f.Format != media.PixelI420 {
		return Barcode{}, fmt.Errorf("testpattern: DecodeI420 needs an I420 frame: %w", ErrNoBarcode)
	}
	if err := f.Validate(); err != nil {
		return Barcode{}, err
	}
	y, stride := f.Plane[0], f.Stride[0]
	return DecodeBarcode(func(x, yy int) uint8 { return y[yy*stride+x] }, f.Width, f.Height)
}
