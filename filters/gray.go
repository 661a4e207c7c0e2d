package filters

import "gocv.io/x/gocv"

var grayInfo = Info{Name: "gray", Summary: "grayscale (output stays 3-channel BGR with B=G=R)"}

// Gray turns the frame grayscale.
type Gray struct {
	base
	gray *gocv.Mat
}

// NewGray returns the grayscale filter.
func NewGray() *Gray {
	g := &Gray{}
	g.gray = g.newMat()
	return g
}

func (g *Gray) Name() string { return "gray" }
func (g *Gray) Spec() string { return "gray" }

func (g *Gray) Apply(img *gocv.Mat) error {
	if err := g.begin(img); err != nil {
		return err
	}
	defer g.mu.Unlock()
	gocv.CvtColor(*img, g.gray, gocv.ColorBGRToGray)
	gocv.CvtColor(*g.gray, img, gocv.ColorGrayToBGR)
	return nil
}

func (g *Gray) Close() error { return g.closeBase(nil) }
