package filters

import "gocv.io/x/gocv"

var cannyInfo = Info{Name: "canny", Summary: "Canny edges, white on black", Params: []Param{
	{Name: "low", Kind: KindInt, Default: "50", Min: "0", Max: "255", Help: "lower hysteresis threshold (< high)"},
	{Name: "high", Kind: KindInt, Default: "150", Min: "0", Max: "255", Help: "upper hysteresis threshold (> low)"},
}}

// Canny replaces the frame with its edges: white (255,255,255) on black.
type Canny struct {
	base
	low, high   int
	gray, edges *gocv.Mat
}

// NewCanny returns the edge filter; 0 <= low < high <= 255.
func NewCanny(low, high int) (*Canny, error) {
	if err := checkInt(&cannyInfo, "low", low); err != nil {
		return nil, err
	}
	if err := checkInt(&cannyInfo, "high", high); err != nil {
		return nil, err
	}
	if low >= high {
		return nil, &ParamError{Filter: "canny", Param: "low", Value: fmtInt(low), Allowed: "low < high (high=" + fmtInt(high) + "), both in 0..255"}
	}
	c := &Canny{low: low, high: high}
	c.gray, c.edges = c.newMat(), c.newMat()
	return c, nil
}

func parseCanny(a *args, _ Options) (Filter, error) {
	lo, err := a.int("low")
	if err != nil {
		return nil, err
	}
	hi, err := a.int("high")
	if err != nil {
		return nil, err
	}
	return NewCanny(lo, hi)
}

func (c *Canny) Name() string { return "canny" }
func (c *Canny) Spec() string {
	return formatSpec("canny", "low", fmtInt(c.low), "high", fmtInt(c.high))
}

func (c *Canny) Apply(img *gocv.Mat) error {
	if err := c.begin(img); err != nil {
		return err
	}
	defer c.mu.Unlock()
	gocv.CvtColor(*img, c.gray, gocv.ColorBGRToGray)
	gocv.Canny(*c.gray, c.edges, float32(c.low), float32(c.high))
	gocv.CvtColor(*c.edges, img, gocv.ColorGrayToBGR)
	return nil
}

func (c *Canny) Close() error { return c.closeBase(nil) }
