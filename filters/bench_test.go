package filters

import (
	"testing"
	"time"
)

// benchFilter measures one filter on a 1280x720 frame (the astronaut
// letterboxed, so face has a face to find). The frame is restored from the
// original before each Apply with the timer stopped.
func benchFilter(b *testing.B, spec string) {
	src := letterbox720(b)
	defer src.Close()
	work := src.Clone()
	defer work.Close()
	f := mustParse(b, spec)
	defer f.Close()
	if o, ok := f.(*Overlay); ok {
		o.now = time.Now
	}
	if err := f.Apply(&work); err != nil { // warm-up: scratch Mats get their size
		b.Fatal(err)
	}
	b.ResetTimer()
	var spent time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		src.CopyTo(&work)
		b.StartTimer()
		t0 := time.Now()
		if err := f.Apply(&work); err != nil {
			b.Fatal(err)
		}
		spent += time.Since(t0)
	}
	b.ReportMetric(float64(spent.Nanoseconds())/float64(b.N), "ns/frame")
}

func BenchmarkGray(b *testing.B)         { benchFilter(b, "gray") }
func BenchmarkBlur(b *testing.B)         { benchFilter(b, "blur:k=9") }
func BenchmarkCanny(b *testing.B)        { benchFilter(b, "canny:low=50,high=150") }
func BenchmarkFaceBox(b *testing.B)      { benchFilter(b, "face") }
func BenchmarkFaceBlur(b *testing.B)     { benchFilter(b, "face:mode=blur") }
func BenchmarkFacePixelate(b *testing.B) { benchFilter(b, "face:mode=pixelate") }
func BenchmarkFaceEvery3(b *testing.B)   { benchFilter(b, "face:every=3") }
func BenchmarkChromaColor(b *testing.B)  { benchFilter(b, "chroma:color=000000,tol=30,bgcolor=0000ff") }
func BenchmarkChromaImage(b *testing.B) {
	benchFilter(b, "chroma:color=000000,tol=30,bg=../testdata/astronaut.jpg")
}
func BenchmarkFlip(b *testing.B) { benchFilter(b, "flip:mode=h") }
func BenchmarkAdjust(b *testing.B) {
	benchFilter(b, "adjust:brightness=10,contrast=1.2,saturation=1.3")
}
func BenchmarkAdjustBC(b *testing.B)    { benchFilter(b, "adjust:brightness=10,contrast=1.2") }
func BenchmarkPixelate(b *testing.B)    { benchFilter(b, "pixelate:block=16") }
func BenchmarkPixelatePad(b *testing.B) { benchFilter(b, "pixelate:block=7") }
func BenchmarkOverlay(b *testing.B)     { benchFilter(b, "overlay:text=ON AIR,time=true") }
