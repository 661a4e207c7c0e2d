package filters

import (
	"testing"
)

// TestNoLeaks creates, uses and closes every filter 200 times; neither the
// package's own Mat counter nor (with -tags matprofile) gocv's MatProfile
// may grow.
func TestNoLeaks(t *testing.T) {
	frame := newFrame(t, 96, 64, noise(7))
	defer frame.Close()
	work := frame.Clone()
	defer work.Close()

	live0 := LiveMats()
	prof0, profiled := matProfileCount()
	for _, spec := range allSpecs {
		for i := 0; i < 200; i++ {
			f := mustParse(t, spec)
			frame.CopyTo(&work)
			if err := f.Apply(&work); err != nil {
				t.Fatalf("%s: %v", spec, err)
			}
			if i == 0 && LiveMats() == live0 && f.Name() != "blur" && f.Name() != "flip" && f.Name() != "overlay" {
				t.Errorf("%s holds no counted scratch Mat while open", spec)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil { // second Close is a no-op
				t.Fatal(err)
			}
		}
		if got := LiveMats(); got != live0 {
			t.Fatalf("%s: %d Mats still held after 200 create/close cycles (was %d)", spec, got, live0)
		}
		if profiled {
			if got, _ := matProfileCount(); got != prof0 {
				t.Fatalf("%s: gocv MatProfile count %d, was %d", spec, got, prof0)
			}
		}
	}
	if !profiled {
		t.Log("gocv MatProfile needs -tags matprofile; checked the package's own Mat counter only")
	}
	// Failed constructions leak nothing either.
	for i := 0; i < 50; i++ {
		for _, bad := range []string{"chroma:bg=/nonexistent.png", "blur:k=8", "canny:low=9,high=3"} {
			if f, err := Parse(bad); err == nil {
				f.Close()
				t.Fatalf("%s parsed", bad)
			}
		}
	}
	if got := LiveMats(); got != live0 {
		t.Fatalf("failed constructions leaked %d Mats", got-live0)
	}
	if profiled {
		if got, _ := matProfileCount(); got != prof0 {
			t.Fatalf("failed constructions: MatProfile count %d, was %d", got, prof0)
		}
	}
}
