package filters

import (
	"image"
	"image/color"
	"math"
	"strings"
	"time"

	"gocv.io/x/gocv"
)

// TimeLayout is how overlay:time=true prints the wall clock.
const TimeLayout = "2006-01-02 15:04:05"

var overlayInfo = Info{Name: "overlay", Summary: "text and/or wall-clock timestamp over the picture", Params: []Param{
	{Name: "text", Kind: KindString, Default: "", Help: "text to show (ASCII; escape , = and \\ with a backslash)"},
	{Name: "time", Kind: KindBool, Default: "false", Help: "show the wall clock (" + TimeLayout + ")"},
	{Name: "pos", Kind: KindString, Default: "tl", Choices: []string{"tl", "tr", "bl", "br"}, Help: "corner: top/bottom, left/right"},
	{Name: "scale", Kind: KindFloat, Default: "1", Min: "0.3", Max: "5", Help: "font scale (1 ≈ 22 px high)"},
	{Name: "color", Kind: KindColor, Default: "ffffff", Help: "text colour RRGGBB"},
	{Name: "box", Kind: KindBool, Default: "true", Help: "draw a black box behind the text"},
}}

// OverlayOptions configures NewOverlay; start from DefaultOverlayOptions.
type OverlayOptions struct {
	Text  string
	Time  bool
	Pos   string  // tl, tr, bl, br
	Scale float64 // 0.3..5
	Color color.RGBA
	Box   bool
}

// DefaultOverlayOptions are the registry defaults (no text yet).
func DefaultOverlayOptions() OverlayOptions {
	return OverlayOptions{Pos: "tl", Scale: 1, Color: color.RGBA{255, 255, 255, 255}, Box: true}
}

// Overlay draws text and/or the time in a corner of the frame.
type Overlay struct {
	base
	opt   OverlayOptions
	thick int
	now   func() time.Time // wall clock; tests replace it
}

const overlayFont = gocv.FontHersheySimplex

// NewOverlay returns the overlay filter; it needs Text or Time.
func NewOverlay(o OverlayOptions) (*Overlay, error) {
	o.Text = strings.TrimSpace(o.Text)
	o.Color.A = 255
	if err := checkChoice(&overlayInfo, "pos", o.Pos); err != nil {
		return nil, err
	}
	if err := checkFloat(&overlayInfo, "scale", o.Scale); err != nil {
		return nil, err
	}
	if o.Text == "" && !o.Time {
		return nil, &ParamError{Filter: "overlay", Param: "text", Value: "", Allowed: "non-empty text, or time=true"}
	}
	return &Overlay{opt: o, thick: max(1, int(math.Round(o.Scale*2))), now: time.Now}, nil
}

func parseOverlay(a *args, _ Options) (Filter, error) {
	o := OverlayOptions{Text: a.str("text"), Pos: a.str("pos")}
	var err error
	if o.Time, err = a.bool("time"); err != nil {
		return nil, err
	}
	if o.Scale, err = a.float("scale"); err != nil {
		return nil, err
	}
	if o.Color, err = a.color("color"); err != nil {
		return nil, err
	}
	if o.Box, err = a.bool("box"); err != nil {
		return nil, err
	}
	return NewOverlay(o)
}

func (o *Overlay) Name() string { return "overlay" }
func (o *Overlay) Spec() string {
	return formatSpec("overlay", "text", o.opt.Text, "time", fmtBool(o.opt.Time), "pos", o.opt.Pos,
		"scale", fmtFloat(o.opt.Scale), "color", hexColor(o.opt.Color), "box", fmtBool(o.opt.Box))
}

// label is the text drawn now.
func (o *Overlay) label() string {
	if !o.opt.Time {
		return o.opt.Text
	}
	ts := o.now().Format(TimeLayout)
	if o.opt.Text == "" {
		return ts
	}
	return o.opt.Text + "  " + ts
}

// layout returns the area the label covers in a w×h frame (box included;
// nothing outside it is touched) and the text origin.
func (o *Overlay) layout(label string, w, h int) (area image.Rectangle, org image.Point) {
	sz, baseline := gocv.GetTextSizeWithBaseline(label, overlayFont, o.opt.Scale, o.thick)
	pad := int(math.Round(4*o.opt.Scale)) + o.thick
	margin := int(math.Round(10 * o.opt.Scale))
	bw, bh := sz.X+2*pad, sz.Y+baseline+2*pad
	x, y := margin, margin
	if o.opt.Pos[1] == 'r' {
		x = w - margin - bw
	}
	if o.opt.Pos[0] == 'b' {
		y = h - margin - bh
	}
	area = image.Rect(x, y, x+bw, y+bh)
	return area, image.Pt(x+pad, y+pad+sz.Y)
}

// Area is the rectangle the overlay would change in a frame of the given size now.
func (o *Overlay) Area(frame image.Point) image.Rectangle {
	a, _ := o.layout(o.label(), frame.X, frame.Y)
	return a.Intersect(image.Rect(0, 0, frame.X, frame.Y))
}

func (o *Overlay) Apply(img *gocv.Mat) error {
	if err := o.begin(img); err != nil {
		return err
	}
	defer o.mu.Unlock()
	label := o.label()
	area, org := o.layout(label, img.Cols(), img.Rows())
	frame := image.Rect(0, 0, img.Cols(), img.Rows())
	clip := area.Intersect(frame)
	if clip.Empty() {
		return nil
	}
	// Draw into the ROI of the area so no pixel outside it can change.
	sub := roi(img, clip)
	if o.opt.Box {
		sub.SetTo(gocv.Scalar{})
	}
	gocv.PutTextWithParams(&sub, label, org.Sub(clip.Min), overlayFont, o.opt.Scale, o.opt.Color, o.thick, gocv.LineAA, false)
	closeROI(&sub)
	return nil
}

func (o *Overlay) Close() error { return o.closeBase(nil) }
