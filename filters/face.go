package filters

import (
	"image"
	"image/color"
	"math"
	"os"
	"path/filepath"

	"gocv.io/x/gocv"
)

// CascadeFile is the Haar cascade the face filter loads.
const CascadeFile = "haarcascade_frontalface_default.xml"

// HaarDirEnv names the environment variable holding an extra directory to
// search for CascadeFile (searched first).
const HaarDirEnv = "ONAIR_HAAR_DIR"

// DefaultCascadeDirs is where the face filter looks for CascadeFile, in
// order: $ONAIR_HAAR_DIR if set, then Debian's opencv-data locations.
func DefaultCascadeDirs() []string {
	var dirs []string
	if d := os.Getenv(HaarDirEnv); d != "" {
		dirs = append(dirs, d)
	}
	return append(dirs, "/usr/share/opencv4/haarcascades", "/usr/share/opencv/haarcascades")
}

var faceInfo = Info{Name: "face", Summary: "face detection (Haar cascade): draw boxes, or blur/pixelate faces for privacy", Params: []Param{
	{Name: "mode", Kind: KindString, Default: "box", Choices: []string{"box", "blur", "pixelate"}, Help: "box = draw a rectangle; blur/pixelate = hide the face"},
	{Name: "scale", Kind: KindFloat, Default: "0.5", Min: "0.1", Max: "1", Help: "detect on a copy downscaled by this factor (smaller = faster)"},
	{Name: "neighbors", Kind: KindInt, Default: "5", Min: "1", Max: "20", Help: "detections needed to accept a face (higher = fewer false positives)"},
	{Name: "every", Kind: KindInt, Default: "3", Min: "1", Max: "30", Help: "run detection every N frames, reusing boxes in between (3: about 10 ms a frame at 720p)"},
	{Name: "color", Kind: KindColor, Default: "00ff00", Help: "box colour RRGGBB (mode=box)"},
}}

// FaceOptions configures NewFace; start from DefaultFaceOptions.
type FaceOptions struct {
	Mode        string  // box, blur or pixelate
	Scale       float64 // 0.1..1: detection runs on a copy this much smaller
	Neighbors   int     // 1..20
	Every       int     // 1..30: detect every N frames
	Color       color.RGBA
	CascadeDirs []string // nil = DefaultCascadeDirs()
}

// DefaultFaceOptions are the registry defaults.
func DefaultFaceOptions() FaceOptions {
	return FaceOptions{Mode: "box", Scale: 0.5, Neighbors: 5, Every: 3, Color: color.RGBA{G: 255, A: 255}}
}

// Face finds frontal faces and boxes, blurs or pixelates them.
type Face struct {
	base
	opt         FaceOptions
	cascade     gocv.CascadeClassifier
	small, gray *gocv.Mat
	mos         mosaic
	boxes       []image.Rectangle
	frame       int
	cascadePath string
	colorGiven  bool
}

// NewFace loads the cascade (ErrCascadeMissing if absent) and returns the
// face filter.
func NewFace(o FaceOptions) (*Face, error) {
	o.Color.A = 255
	if err := checkChoice(&faceInfo, "mode", o.Mode); err != nil {
		return nil, err
	}
	if err := checkFloat(&faceInfo, "scale", o.Scale); err != nil {
		return nil, err
	}
	if err := checkInt(&faceInfo, "neighbors", o.Neighbors); err != nil {
		return nil, err
	}
	if err := checkInt(&faceInfo, "every", o.Every); err != nil {
		return nil, err
	}
	dirs := o.CascadeDirs
	if dirs == nil {
		dirs = DefaultCascadeDirs()
	}
	path := ""
	for _, d := range dirs {
		p := filepath.Join(d, CascadeFile)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			path = p
			break
		}
	}
	if path == "" {
		return nil, &CascadeError{File: CascadeFile, Searched: dirs}
	}
	f := &Face{opt: o, cascadePath: path}
	f.cascade = gocv.NewCascadeClassifier()
	if !f.cascade.Load(path) {
		f.cascade.Close()
		return nil, &CascadeError{File: CascadeFile, Searched: dirs, Reason: path + " exists but OpenCV cannot load it"}
	}
	f.small, f.gray = f.newMat(), f.newMat()
	f.mos = newMosaic(&f.base)
	return f, nil
}

func parseFace(a *args, o Options) (Filter, error) {
	fo := FaceOptions{Mode: a.str("mode"), CascadeDirs: o.CascadeDirs}
	var err error
	if fo.Scale, err = a.float("scale"); err != nil {
		return nil, err
	}
	if fo.Neighbors, err = a.int("neighbors"); err != nil {
		return nil, err
	}
	if fo.Every, err = a.int("every"); err != nil {
		return nil, err
	}
	if fo.Color, err = a.color("color"); err != nil {
		return nil, err
	}
	return NewFace(fo)
}

func (f *Face) Name() string { return "face" }
func (f *Face) Spec() string {
	return formatSpec("face", "mode", f.opt.Mode, "scale", fmtFloat(f.opt.Scale), "neighbors", fmtInt(f.opt.Neighbors),
		"every", fmtInt(f.opt.Every), "color", hexColor(f.opt.Color))
}

// CascadePath is the cascade file the filter loaded.
func (f *Face) CascadePath() string { return f.cascadePath }

// Boxes returns the faces found in the last detection, in frame coordinates.
func (f *Face) Boxes() []image.Rectangle {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]image.Rectangle(nil), f.boxes...)
}

func (f *Face) Apply(img *gocv.Mat) error {
	if err := f.begin(img); err != nil {
		return err
	}
	defer f.mu.Unlock()
	frame := image.Rect(0, 0, img.Cols(), img.Rows())
	if f.frame%f.opt.Every == 0 {
		f.detect(img, frame)
	}
	f.frame++
	for _, b := range f.boxes {
		switch f.opt.Mode {
		case "box":
			t := max(2, frame.Dx()/400)
			gocv.Rectangle(img, b, f.opt.Color, t)
		case "blur", "pixelate":
			// Hide a little more than the detector's box (hairline, chin).
			r := b.Inset(-b.Dx() / 8).Intersect(frame)
			if r.Empty() {
				continue
			}
			sub := roi(img, r)
			if f.opt.Mode == "blur" {
				k := max(r.Dx(), r.Dy())/3 | 1
				gocv.GaussianBlur(sub, &sub, image.Pt(k, k), 0, 0, gocv.BorderReplicate)
			} else {
				f.mos.apply(&sub, max(4, max(r.Dx(), r.Dy())/6)) // ~6 blocks across
			}
			closeROI(&sub)
		}
	}
	return nil
}

func (f *Face) detect(img *gocv.Mat, frame image.Rectangle) {
	s := f.opt.Scale
	src := img
	if s < 1 {
		sz := image.Pt(max(1, int(math.Round(float64(frame.Dx())*s))), max(1, int(math.Round(float64(frame.Dy())*s))))
		gocv.Resize(*img, f.small, sz, 0, 0, gocv.InterpolationArea)
		src = f.small
	}
	gocv.CvtColor(*src, f.gray, gocv.ColorBGRToGray)
	gocv.EqualizeHist(*f.gray, f.gray)
	// Faces smaller than 1/8 of the frame height are ignored (a streamer's
	// face is large); the pyramid step is 1.1 (coarser steps add false positives).
	minSide := max(24, f.gray.Rows()/8)
	found := f.cascade.DetectMultiScaleWithParams(*f.gray, 1.1, f.opt.Neighbors, 0, image.Pt(minSide, minSide), image.Pt(0, 0))
	f.boxes = f.boxes[:0]
	for _, r := range found {
		if s < 1 {
			r = image.Rect(int(float64(r.Min.X)/s), int(float64(r.Min.Y)/s), int(float64(r.Max.X)/s), int(float64(r.Max.Y)/s))
		}
		if r = r.Intersect(frame); !r.Empty() {
			f.boxes = append(f.boxes, r)
		}
	}
}

func (f *Face) Close() error {
	return f.closeBase(func() { f.cascade.Close() })
}
