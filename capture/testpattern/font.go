package testpattern

// A 5x7 bitmap font with only the glyphs the overlay needs. Each row is
// 5 bits, MSB (bit 4) on the left.
const (
	glyphW   = 5
	glyphH   = 7
	advanceW = glyphW + 1 // one column of spacing
)

var font = map[byte][glyphH]uint8{
	'0': {0b01110, 0b10001, 0b10011, 0b10101, 0b11001, 0b10001, 0b01110},
	'1': {0b00100, 0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110},
	'2': {0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b01000, 0b11111},
	'3': {0b11111, 0b00010, 0b00100, 0b00010, 0b00001, 0b10001, 0b01110},
	'4': {0b00010, 0b00110, 0b01010, 0b10010, 0b11111, 0b00010, 0b00010},
	'5': {0b11111, 0b10000, 0b11110, 0b00001, 0b00001, 0b10001, 0b01110},
	'6': {0b00110, 0b01000, 0b10000, 0b11110, 0b10001, 0b10001, 0b01110},
	'7': {0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b01000, 0b01000},
	'8': {0b01110, 0b10001, 0b10001, 0b01110, 0b10001, 0b10001, 0b01110},
	'9': {0b01110, 0b10001, 0b10001, 0b01111, 0b00001, 0b00010, 0b01100},
	'#': {0b01010, 0b01010, 0b11111, 0b01010, 0b11111, 0b01010, 0b01010},
	':': {0b00000, 0b01100, 0b01100, 0b00000, 0b01100, 0b01100, 0b00000},
	'.': {0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b01100, 0b01100},
	'-': {0b00000, 0b00000, 0b00000, 0b11111, 0b00000, 0b00000, 0b00000},
	' ': {},
}

// drawText paints s into a luma plane at (x0, y0), each font pixel a
// scale x scale block of value v, clipped to w x h. Unknown bytes draw blank.
func drawText(plane []byte, stride, w, h, x0, y0, scale int, s string, v byte) {
	for i := 0; i < len(s); i++ {
		g := font[s[i]]
		gx := x0 + i*advanceW*scale
		for r, bits := range g {
			for c := 0; c < glyphW; c++ {
				if bits>>(glyphW-1-c)&1 == 0 {
					continue
				}
				px, py := gx+c*scale, y0+r*scale
				for y := py; y < min(py+scale, h); y++ {
					row := plane[y*stride:]
					for x := px; x < min(px+scale, w); x++ {
						row[x] = v
					}
				}
			}
		}
	}
}
