package filters

import (
	"math"

	"gocv.io/x/gocv"
)

var adjustInfo = Info{Name: "adjust", Summary: "brightness, contrast and saturation", Params: []Param{
	{Name: "brightness", Kind: KindFloat, Default: "0", Min: "-100", Max: "100", Help: "added to every channel (0 = unchanged)"},
	{Name: "contrast", Kind: KindFloat, Default: "1", Min: "0.1", Max: "3", Help: "gain around mid-gray 128 (1 = unchanged)"},
	{Name: "saturation", Kind: KindFloat, Default: "1", Min: "0", Max: "3", Help: "0 = gray, 1 = unchanged, >1 = more vivid"},
}}

// Adjust changes brightness and contrast through one 256-entry lookup table
// and saturation by mixing each pixel with its gray value.
type Adjust struct {
	base
	brightness, contrast, saturation float64
	lut, gray, gray3                 *gocv.Mat
	useLUT                           bool
}

// NewAdjust returns the adjust filter: brightness -100..100, contrast
// 0.1..3, saturation 0..3.
func NewAdjust(brightness, contrast, saturation float64) (*Adjust, error) {
	for _, c := range []struct {
		n string
		v float64
	}{{"brightness", brightness}, {"contrast", contrast}, {"saturation", saturation}} {
		if err := checkFloat(&adjustInfo, c.n, c.v); err != nil {
			return nil, err
		}
	}
	f := &Adjust{brightness: brightness, contrast: contrast, saturation: saturation}
	f.useLUT = brightness != 0 || contrast != 1
	lut := gocv.NewMatWithSize(1, 256, gocv.MatTypeCV8U)
	liveMats.Add(1)
	f.scratch = append(f.scratch, &lut)
	f.lut = &lut
	for v := 0; v < 256; v++ {
		o := math.Round((float64(v)-128)*contrast + 128 + brightness)
		f.lut.SetUCharAt(0, v, uint8(math.Max(0, math.Min(255, o))))
	}
	f.gray, f.gray3 = f.newMat(), f.newMat()
	return f, nil
}

func parseAdjust(a *args, _ Options) (Filter, error) {
	b, err := a.float("brightness")
	if err != nil {
		return nil, err
	}
	c, err := a.float("contrast")
	if err != nil {
		return nil, err
	}
	s, err := a.float("saturation")
	if err != nil {
		return nil, err
	}
	return NewAdjust(b, c, s)
}

func (f *Adjust) Name() string { return "adjust" }
func (f *Adjust) Spec() string {
	return formatSpec("adjust", "brightness", fmtFloat(f.brightness), "contrast", fmtFloat(f.contrast), "saturation", fmtFloat(f.saturation))
}

func (f *Adjust) Apply(img *gocv.Mat) error {
	if err := f.begin(img); err != nil {
		return err
	}
	defer f.mu.Unlock()
	if f.saturation != 1 {
		// out = s*pix + (1-s)*gray, saturated to 0..255
		gocv.CvtColor(*img, f.gray, gocv.ColorBGRToGray)
		gocv.CvtColor(*f.gray, f.gray3, gocv.ColorGrayToBGR)
		gocv.AddWeighted(*img, f.saturation, *f.gray3, 1-f.saturation, 0, img)
	}
	if f.useLUT {
		gocv.LUT(*img, *f.lut, img)
	}
	return nil
}

func (f *Adjust) Close() error { return f.closeBase(nil) }
