package encode

import (
	"testing"
	"time"
)

func TestTargetBitrateLowersX264OutputWithoutReopen(t *testing.T) {
	cfg := fastVideo(640, 360)
	cfg.Bitrate = 2_000_000
	cfg.RateControl = VBR
	e := openVideo(t, cfg)
	src := pattern(t, 640, 360)
	encode := func(from, to int64) int {
		n := 0
		for i := from; i < to; i++ {
			f := src.Frame(i, wallAt(i))
			f.PTS = time.Duration(i) * time.Second / 30
			pkts, err := e.Encode(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range pkts {
				n += len(p.Data)
			}
		}
		return n
	}
	encode(0, 30) // settle rate control
	high := encode(30, 120)
	e.SetTargetBitrate(100_000)
	encode(120, 150) // the VBV buffer drains
	low := encode(150, 240)
	if e.Bitrate() != 100_000 {
		t.Fatalf("bitrate in force %d", e.Bitrate())
	}
	// The pattern needs about 0.5 Mbit/s; at 100 kbit/s, 3 s are about 40 kB.
	if low*3 > high {
		t.Fatalf("after lowering the target: %d bytes vs %d before; want at most a third", low, high)
	}
	e.SetTargetBitrate(50_000_000) // above the ceiling: clamped to the configured bitrate
	encode(240, 241)
	if e.Bitrate() != 2_000_000 {
		t.Fatalf("clamp: bitrate in force %d", e.Bitrate())
	}
}
