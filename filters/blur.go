package filters

import (
	"image"

	"gocv.io/x/gocv"
)

var blurInfo = Info{Name: "blur", Summary: "Gaussian blur", Params: []Param{
	{Name: "k", Kind: KindInt, Default: "9", Min: "1", Max: "99", Help: "kernel size in pixels, odd"},
	{Name: "sigma", Kind: KindFloat, Default: "0", Min: "0", Max: "50", Help: "Gaussian sigma; 0 derives it from k"},
}}

// Blur is a Gaussian blur with an odd kernel size.
type Blur struct {
	base
	k     int
	sigma float64
}

// NewBlur returns a Gaussian blur of kernel size k (odd, 1..99) and sigma
// (0 = derived from k).
func NewBlur(k int, sigma float64) (*Blur, error) {
	if err := checkInt(&blurInfo, "k", k); err != nil {
		return nil, err
	}
	if k%2 == 0 {
		return nil, &ParamError{Filter: "blur", Param: "k", Value: fmtInt(k), Allowed: "odd " + paramOf(&blurInfo, "k").Allowed()}
	}
	if err := checkFloat(&blurInfo, "sigma", sigma); err != nil {
		return nil, err
	}
	return &Blur{k: k, sigma: sigma}, nil
}

func parseBlur(a *args, _ Options) (Filter, error) {
	k, err := a.int("k")
	if err != nil {
		return nil, err
	}
	s, err := a.float("sigma")
	if err != nil {
		return nil, err
	}
	return NewBlur(k, s)
}

func (b *Blur) Name() string { return "blur" }
func (b *Blur) Spec() string {
	return formatSpec("blur", "k", fmtInt(b.k), "sigma", fmtFloat(b.sigma))
}

func (b *Blur) Apply(img *gocv.Mat) error {
	if err := b.begin(img); err != nil {
		return err
	}
	defer b.mu.Unlock()
	gocv.GaussianBlur(*img, img, image.Pt(b.k, b.k), b.sigma, b.sigma, gocv.BorderReflect101)
	return nil
}

func (b *Blur) Close() error { return b.closeBase(nil) }
