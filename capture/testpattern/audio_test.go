package testpattern

import (
	"encoding/binary"
	"fmt"
	"testing"
	"time"
)

func TestBeepStart(t *testing.T) {
	cases := []struct {
		k    int
		off  time.Duration
		want int64
	}{
		{0, 0, 0}, {1, 0, 96000}, {1, 40 * time.Millisecond, 94080},
		{0, -120 * time.Millisecond, 5760}, {0, 40 * time.Millisecond, -1920},
		{1, time.Nanosecond, 96000}, {1, 10417 * time.Nanosecond, 95999}, // 0.50002 samples rounds up
		{100000, 0, 100000 * 96000},
	}
	for _, c := range cases {
		if got := BeepStart(c.k, c.off); got != c.want {
			t.Errorf("BeepStart(%d, %v) = %d, want %d", c.k, c.off, got, c.want)
		}
	}
}

func TestBeeps(t *testing.T) {
	for _, off := range []time.Duration{0, 40 * time.Millisecond, -120 * time.Millisecond} {
		t.Run(fmt.Sprint(off), func(t *testing.T) {
			s, _ := New(WithRealTime(false), WithAVOffset(off), WithSize(160, 120), WithLimit(6*30+10))
			var left []int16
			for _, it := range collect(t, s, false, true) {
				a := it.a
				if a.Start != int64(len(left)) {
					t.Fatalf("chunk at %d, want %d", a.Start, len(left))
				}
				for i := 0; i < a.Samples; i++ {
					l := int16(binary.LittleEndian.Uint16(a.Data[4*i:]))
					r := int16(binary.LittleEndian.Uint16(a.Data[4*i+2:]))
					if l != r {
						t.Fatalf("sample %d: channels differ %d %d", a.Start+int64(i), l, r)
					}
					left = append(left, l)
				}
			}
			inBeep := make([]bool, len(left))
			beeps := 0
			for k := 0; k < 4; k++ {
				bs := BeepStart(k, off)
				if bs < 0 || bs >= int64(len(left)) {
					continue
				}
				beeps++
				first, last := int64(-1), int64(-1)
				peak := 0
				for i := max(0, bs-2400); i < min(bs+BeepSamples+2400, int64(len(left))); i++ {
					if left[i] != 0 {
						if first < 0 {
							first = i
						}
						last = i
						peak = max(peak, abs(int(left[i])))
					}
				}
				if first != bs || last != bs+BeepSamples-1 {
					t.Fatalf("beep %d: non-zero %d..%d, want %d..%d", k, first, last, bs, bs+BeepSamples-1)
				}
				// About -6 dBFS.
				if peak < 16000 || peak > 16800 {
					t.Fatalf("beep %d peak %d", k, peak)
				}
				for i := bs; i < bs+BeepSamples; i++ {
					inBeep[i] = true
				}
			}
			// Offset +40 ms skips beep 0 (it would start before sample 0).
			if want := map[time.Duration]int{0: 4, 40 * time.Millisecond: 3, -120 * time.Millisecond: 4}[off]; beeps != want {
				t.Fatalf("%d beeps, want %d", beeps, want)
			}
			for i, v := range left {
				if !inBeep[i] && v != 0 {
					t.Fatalf("sample %d = %d outside any beep", i, v)
				}
			}
		})
	}
}

func TestAudioChunkSplitsBeep(t *testing.T) {
	// Rendering a beep in odd pieces must match rendering it whole.
	s, _ := New(WithAVOffset(-7 * time.Millisecond))
	whole := s.Audio(95000, 7000)
	var parts []byte
	for start, n := int64(95000), 0; start < 102000; start += int64(n) {
		n = int(min(333, 102000-start))
		parts = append(parts, s.Audio(start, n).Data...)
	}
	if string(parts) != string(whole.Data) {
		t.Fatal("chunked audio differs from whole")
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
