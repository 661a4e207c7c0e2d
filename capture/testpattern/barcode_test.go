package testpattern

import (
	"errors"
	"testing"
	"time"

	"github.com/onair-dev/onair/media"
)

func TestBarcodeBits(t *testing.T) {
	bits := Encode(0, 0)
	if !bits[0] || bits[1] || !bits[2] || bits[3] {
		t.Fatal("sync bits not 1010")
	}
	// Frame 0x80000001: MSB first right after the sync bits.
	bits = Encode(0x80000001, 0)
	if !bits[4] || bits[5] || !bits[35] {
		t.Fatal("frame bits not MSB first")
	}
	// Wall ms is taken mod 2^40.
	if got, err := DecodeBits(Encode(1, 1<<40|5)); err != nil || got.WallMs != 5 {
		t.Fatalf("mod 2^40: %+v %v", got, err)
	}
	// Checksum: XOR of nibbles. 0x12345678 ^ ... computed by hand.
	if c := checksum(0x12345678, 0xabcdef0123); c != (1^2^3^4^5^6^7^8^0xa^0xb^0xc^0xd^0xe^0xf^0^1^2^3)&0xf {
		t.Fatalf("checksum %x", c)
	}
}

func TestBarcodeRoundTrip(t *testing.T) {
	cases := []Barcode{
		{0, 0}, {1, 1}, {123, uint64(testWall.UnixMilli()) & wallMask},
		{1<<32 - 1, 1<<40 - 1}, {0xdeadbeef, 0xabcdef0123}, {1 << 31, 1 << 39},
	}
	for _, sz := range [][2]int{{160, 120}, {1280, 720}, {1920, 1080}, {854, 480}} {
		s, _ := New(WithSize(sz[0], sz[1]))
		for _, c := range cases {
			f := s.Frame(int64(c.Frame), time.UnixMilli(int64(c.WallMs)))
			got, err := DecodeI420(f)
			if err != nil || got != c {
				t.Fatalf("%v: %+v -> %+v, %v", sz, c, got, err)
			}
		}
	}
	// Frame numbers past 2^32 wrap in the strip.
	s, _ := New()
	if got, _ := DecodeI420(s.Frame(1<<32+7, testWall)); got.Frame != 7 {
		t.Fatalf("wrap: frame %d", got.Frame)
	}
}

func TestBarcodeFullRangeAndScaled(t *testing.T) {
	s, _ := New()
	want := Barcode{Frame: 4242, WallMs: uint64(testWall.UnixMilli()) & wallMask}
	f := s.Frame(4242, testWall)
	// Full-range luma, as from a canvas: 16..235 stretched to 0..255.
	full := func(x, y int) uint8 {
		v := (int(f.Plane[0][y*f.Stride[0]+x]) - 16) * 255 / 219
		return uint8(min(max(v, 0), 255))
	}
	if got, err := DecodeBarcode(full, f.Width, f.Height); err != nil || got != want {
		t.Fatalf("full range: %+v %v", got, err)
	}
	// Half-size, as when a player shows the video scaled down.
	half := func(x, y int) uint8 { return f.Plane[0][2*y*f.Stride[0]+2*x] }
	if got, err := DecodeBarcode(half, f.Width/2, f.Height/2); err != nil || got != want {
		t.Fatalf("half size: %+v %v", got, err)
	}
}

func TestBarcodeErrors(t *testing.T) {
	s, _ := New()
	f := s.Frame(77, testWall)
	// Flip one payload cell (bit 20, inside the frame number) across the strip.
	cell := f.Width / BarcodeCells
	top := f.Height - StripHeight(f.Height)
	for y := top; y < f.Height; y++ {
		for x := 20 * cell; x < 21*cell; x++ {
			f.Plane[0][y*f.Stride[0]+x] ^= lumaBlack ^ lumaWhite
		}
	}
	if _, err := DecodeI420(f); !errors.Is(err, ErrBarcodeChecksum) {
		t.Fatalf("corrupted bit: %v", err)
	}
	blank := media.NewVideoFrame(media.PixelI420, 1280, 720)
	for i := range blank.Plane[0] {
		blank.Plane[0][i] = 16
	}
	if _, err := DecodeI420(blank); !errors.Is(err, ErrNoBarcode) {
		t.Fatalf("blank frame: %v", err)
	}
	if _, err := DecodeBarcode(func(x, y int) uint8 { return 255 }, 1280, 720); !errors.Is(err, ErrNoBarcode) {
		t.Fatalf("white frame: %v", err)
	}
	if _, err := DecodeBarcode(func(x, y int) uint8 { return 0 }, 40, 30); !errors.Is(err, ErrNoBarcode) {
		t.Fatalf("tiny frame: %v", err)
	}
	if _, err := DecodeI420(media.NewVideoFrame(media.PixelRGB24, 1280, 720)); !errors.Is(err, ErrNoBarcode) {
		t.Fatalf("rgb frame: %v", err)
	}
}
