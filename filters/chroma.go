package filters

import (
	"image"
	"image/color"
	"os"

	"gocv.io/x/gocv"
)

var chromaInfo = Info{Name: "chroma", Summary: "chroma key: replace the key colour by a background image or colour", Params: []Param{
	{Name: "color", Kind: KindColor, Default: "00ff00", Help: "key colour RRGGBB"},
	{Name: "tol", Kind: KindInt, Default: "40", Min: "0", Max: "255", Help: "tolerance: max difference per channel (R, G and B) from the key colour"},
	{Name: "bg", Kind: KindPath, Default: "", Help: "background image (resized to the frame); overrides bgcolor"},
	{Name: "bgcolor", Kind: KindColor, Default: "000000", Help: "background colour RRGGBB, used without bg"},
}}

// ChromaOptions configures NewChroma.
type ChromaOptions struct {
	Key     color.RGBA // key colour (A ignored)
	Tol     int        // 0..255, per channel
	BgPath  string     // background image; "" = use BgColor
	BgColor color.RGBA // background colour (A ignored)
}

// Chroma replaces every pixel within Tol (per channel) of the key colour by
// the background image (resized to the frame once per frame size) or colour.
type Chroma struct {
	base
	opt      ChromaOptions
	lo, hi   gocv.Scalar
	bgImage  *gocv.Mat // as loaded
	bgSized  *gocv.Mat // background at the current frame size
	mask     *gocv.Mat
	sizedFor image.Point
}

// NewChroma returns the chroma key filter. An unreadable BgPath is ErrBadImage.
func NewChroma(o ChromaOptions) (*Chroma, error) {
	if err := checkInt(&chromaInfo, "tol", o.Tol); err != nil {
		return nil, err
	}
	c := &Chroma{opt: o}
	c.opt.Key.A, c.opt.BgColor.A = 255, 255
	clamp := func(v int) float64 { return float64(max(0, min(255, v))) }
	k := o.Key
	c.lo = gocv.NewScalar(clamp(int(k.B)-o.Tol), clamp(int(k.G)-o.Tol), clamp(int(k.R)-o.Tol), 0)
	c.hi = gocv.NewScalar(clamp(int(k.B)+o.Tol), clamp(int(k.G)+o.Tol), clamp(int(k.R)+o.Tol), 255)
	if o.BgPath != "" {
		if _, err := os.Stat(o.BgPath); err != nil {
			return nil, &ImageError{Filter: "chroma", Path: o.BgPath, Err: err}
		}
		m := gocv.IMRead(o.BgPath, gocv.IMReadColor)
		if m.Empty() {
			m.Close()
			return nil, &ImageError{Filter: "chroma", Path: o.BgPath}
		}
		liveMats.Add(1)
		c.scratch = append(c.scratch, &m)
		c.bgImage = &m
	}
	c.bgSized, c.mask = c.newMat(), c.newMat()
	return c, nil
}

func parseChroma(a *args, _ Options) (Filter, error) {
	var o ChromaOptions
	var err error
	if o.Key, err = a.color("color"); err != nil {
		return nil, err
	}
	if o.Tol, err = a.int("tol"); err != nil {
		return nil, err
	}
	if o.BgColor, err = a.color("bgcolor"); err != nil {
		return nil, err
	}
	o.BgPath = a.str("bg")
	if o.BgPath != "" && a.given("bgcolor") {
		return nil, &ParamError{Filter: "chroma", Param: "bgcolor", Value: a.str("bgcolor"), Allowed: "either bg (an image) or bgcolor, not both"}
	}
	return NewChroma(o)
}

func (c *Chroma) Name() string { return "chroma" }
func (c *Chroma) Spec() string {
	bgc := hexColor(c.opt.BgColor)
	if c.opt.BgPath != "" {
		bgc = ""
	}
	return formatSpec("chroma", "color", hexColor(c.opt.Key), "tol", fmtInt(c.opt.Tol), "bg", c.opt.BgPath, "bgcolor", bgc)
}

func (c *Chroma) Apply(img *gocv.Mat) error {
	if err := c.begin(img); err != nil {
		return err
	}
	defer c.mu.Unlock()
	size := image.Pt(img.Cols(), img.Rows())
	if size != c.sizedFor {
		// Once per frame size: the background at frame size.
		if c.bgImage != nil {
			gocv.Resize(*c.bgImage, c.bgSized, size, 0, 0, gocv.InterpolationArea)
		} else {
			bg := gocv.NewMatWithSizeFromScalar(gocv.NewScalar(float64(c.opt.BgColor.B), float64(c.opt.BgColor.G), float64(c.opt.BgColor.R), 0), size.Y, size.X, gocv.MatTypeCV8UC3)
			bg.CopyTo(c.bgSized)
			bg.Close()
		}
		c.sizedFor = size
	}
	gocv.InRangeWithScalar(*img, c.lo, c.hi, c.mask)
	c.bgSized.CopyToWithMask(img, *c.mask)
	return nil
}

func (c *Chroma) Close() error { return c.closeBase(nil) }
