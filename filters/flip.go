package filters

import "gocv.io/x/gocv"

var flipInfo = Info{Name: "flip", Summary: "mirror or flip the picture", Params: []Param{
	{Name: "mode", Kind: KindString, Default: "h", Choices: []string{"h", "v", "both"}, Help: "h = mirror (left/right), v = upside down, both = rotate 180°"},
}}

// Flip mirrors (h), flips (v) or rotates by 180° (both).
type Flip struct {
	base
	mode string
	code int
}

// NewFlip returns the flip filter for mode h, v or both.
func NewFlip(mode string) (*Flip, error) {
	if err := checkChoice(&flipInfo, "mode", mode); err != nil {
		return nil, err
	}
	code := map[string]int{"h": 1, "v": 0, "both": -1}[mode]
	return &Flip{mode: mode, code: code}, nil
}

func parseFlip(a *args, _ Options) (Filter, error) { return NewFlip(a.str("mode")) }

func (f *Flip) Name() string { return "flip" }
func (f *Flip) Spec() string { return formatSpec("flip", "mode", f.mode) }

func (f *Flip) Apply(img *gocv.Mat) error {
	if err := f.begin(img); err != nil {
		return err
	}
	defer f.mu.Unlock()
	gocv.Flip(*img, img, f.code) // cv::flip swaps symmetric pairs: in-place safe
	return nil
}

func (f *Flip) Close() error { return f.closeBase(nil) }
