package filters

import (
	"fmt"
	"image"
	"testing"

	"gocv.io/x/gocv"
)

// detectAstronaut runs spec on a copy of the astronaut portrait and returns
// the boxes, the original and the result.
func detectAstronaut(t *testing.T, spec string) ([]image.Rectangle, pixels, pixels) {
	t.Helper()
	src := loadAstronaut(t)
	defer src.Close()
	in := read(t, src)
	f := mustParse(t, spec)
	defer f.Close()
	m := src.Clone()
	defer m.Close()
	if err := f.Apply(&m); err != nil {
		t.Fatal(err)
	}
	return f.(*Face).Boxes(), in, read(t, m)
}

func checkOneFace(t *testing.T, spec string, boxes []image.Rectangle, w, h int) image.Rectangle {
	t.Helper()
	if len(boxes) != 1 {
		t.Fatalf("%s: %d faces %v, want 1", spec, len(boxes), boxes)
	}
	b := boxes[0]
	c := b.Min.Add(b.Max).Div(2)
	if c.Y >= h/2 {
		t.Errorf("%s: face %v centred at y=%d, not in the upper half", spec, b, c.Y)
	}
	if b.Dx() < w/10 || b.Dx() > w/2 || b.Dy() < h/10 || b.Dy() > h/2 {
		t.Errorf("%s: face %v of implausible size for a %dx%d portrait", spec, b, w, h)
	}
	return b
}

func TestFaceFindsAstronaut(t *testing.T) {
	for _, spec := range []string{"face", "face:scale=1", "face:scale=0.25,neighbors=3"} {
		boxes, in, out := detectAstronaut(t, spec)
		b := checkOneFace(t, spec, boxes, in.w, in.h)
		t.Logf("%s: face at %v", spec, b)
		// mode=box draws the green outline on the box and nothing far from it.
		edge := out.at(b.Min.X+b.Dx()/2, b.Min.Y)
		if edge[1] < 200 || edge[0] > 80 || edge[2] > 80 {
			t.Errorf("%s: box top edge pixel %v, want green", spec, edge)
		}
		if out.at(b.Min.X+b.Dx()/2, b.Min.Y+b.Dy()/2) != in.at(b.Min.X+b.Dx()/2, b.Min.Y+b.Dy()/2) {
			t.Errorf("%s: mode=box changed the inside of the face", spec)
		}
		for _, p := range []image.Point{{5, 5}, {in.w - 5, in.h - 5}} {
			if out.at(p.X, p.Y) != in.at(p.X, p.Y) {
				t.Errorf("%s: mode=box changed %v far from the face", spec, p)
			}
		}
	}
}

func TestFacePrivacyModes(t *testing.T) {
	for _, mode := range []string{"blur", "pixelate"} {
		spec := "face:mode=" + mode
		boxes, in, out := detectAstronaut(t, spec)
		b := checkOneFace(t, spec, boxes, in.w, in.h)
		v0, v1 := in.localVariance(b), out.localVariance(b)
		t.Logf("%s: face %v local variance %.1f -> %.1f", spec, b, v0, v1)
		limit := v0 / 3
		if mode == "pixelate" {
			limit = v0 / 2 // block edges keep some local contrast
		}
		if v1 > limit {
			t.Errorf("%s: local variance inside the face %.1f, want well below the original %.1f", spec, v1, v0)
		}
		// Outside the (padded) box nothing changes.
		far := image.Rect(0, in.h-60, in.w, in.h)
		if out.localVariance(far) != in.localVariance(far) {
			t.Errorf("%s: changed the bottom of the picture", spec)
		}
	}
}

// letterbox720 is the portrait scaled to 720x720 in the middle of a black 1280x720 frame.
func letterbox720(t testing.TB) gocv.Mat {
	src := loadAstronaut(t)
	defer src.Close()
	big := newFrame(t, 1280, 720, nil)
	sub := big.Region(image.Rect(280, 0, 1000, 720))
	gocv.Resize(src, &sub, image.Pt(720, 720), 0, 0, gocv.InterpolationLinear)
	sub.Close()
	return big
}

// The face is still found in a 720p frame (letterboxed portrait) and in
// frames that reuse boxes between detections (every=N).
func TestFace720pAndEvery(t *testing.T) {
	big := letterbox720(t)
	defer big.Close()
	f := mustParse(t, "face:mode=box,every=3")
	defer f.Close()
	for i := 0; i < 4; i++ {
		m := big.Clone()
		if err := f.Apply(&m); err != nil {
			t.Fatal(err)
		}
		m.Close()
		checkOneFace(t, fmt.Sprintf("720p frame %d", i), f.(*Face).Boxes(), 1280, 720)
	}
	// A frame without a face clears the boxes at the next detection.
	blank := newFrame(t, 1280, 720, uniform(bgr{128, 128, 128}))
	defer blank.Close()
	for i := 0; i < 3; i++ {
		f.Apply(&blank)
	}
	if n := len(f.(*Face).Boxes()); n != 0 {
		t.Errorf("%d boxes on a blank frame", n)
	}
}
