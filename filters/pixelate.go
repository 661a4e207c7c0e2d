package filters

import (
	"image"
	"image/color"

	"gocv.io/x/gocv"
)

var pixelateInfo = Info{Name: "pixelate", Summary: "mosaic of uniform square blocks", Params: []Param{
	{Name: "block", Kind: KindInt, Default: "16", Min: "2", Max: "128", Help: "block size in pixels"},
}}

// interNearestExact is OpenCV's INTER_NEAREST_EXACT (not named by gocv
// 0.32): with an integer upscale factor every source pixel becomes exactly
// one factor×factor block.
const interNearestExact gocv.InterpolationFlags = 6

var colorBlack = color.RGBA{A: 255}

// Pixelate replaces each block×block square (aligned on the frame's top
// left corner) by its mean colour.
type Pixelate struct {
	base
	block int
	mos   mosaic
}

// NewPixelate returns the pixelate filter with block size 2..128.
func NewPixelate(block int) (*Pixelate, error) {
	if err := checkInt(&pixelateInfo, "block", block); err != nil {
		return nil, err
	}
	p := &Pixelate{block: block}
	p.mos = newMosaic(&p.base)
	return p, nil
}

func parsePixelate(a *args, _ Options) (Filter, error) {
	b, err := a.int("block")
	if err != nil {
		return nil, err
	}
	return NewPixelate(b)
}

func (p *Pixelate) Name() string { return "pixelate" }
func (p *Pixelate) Spec() string { return formatSpec("pixelate", "block", fmtInt(p.block)) }

func (p *Pixelate) Apply(img *gocv.Mat) error {
	if err := p.begin(img); err != nil {
		return err
	}
	defer p.mu.Unlock()
	p.mos.apply(img, p.block)
	return nil
}

func (p *Pixelate) Close() error { return p.closeBase(nil) }

// mosaic is the pixelation kernel shared by pixelate and face:mode=pixelate.
// Its scratch Mats belong to the owning filter's base.
type mosaic struct {
	small, padded *gocv.Mat
}

func newMosaic(b *base) mosaic { return mosaic{small: b.newMat(), padded: b.newMat()} }

// apply pixelates m (a whole frame or an ROI of one) in place. Blocks are
// exact block×block squares from m's top left; the right and bottom rows of
// blocks may be cut by m's edge.
func (s mosaic) apply(m *gocv.Mat, block int) {
	w, h := m.Cols(), m.Rows()
	if w == 0 || h == 0 {
		return
	}
	nx, ny := (w+block-1)/block, (h+block-1)/block
	if w%block == 0 && h%block == 0 {
		// Integer ratio both ways: area averaging gives each block's exact
		// mean and nearest-exact upscaling paints it back, all in place.
		gocv.Resize(*m, s.small, image.Pt(nx, ny), 0, 0, gocv.InterpolationArea)
		gocv.Resize(*s.small, m, image.Pt(w, h), 0, 0, interNearestExact)
		return
	}
	// Pad to whole blocks (replicating the edge), pixelate, copy back.
	pw, ph := nx*block, ny*block
	gocv.CopyMakeBorder(*m, s.padded, 0, ph-h, 0, pw-w, gocv.BorderReplicate, colorBlack)
	gocv.Resize(*s.padded, s.small, image.Pt(nx, ny), 0, 0, gocv.InterpolationArea)
	gocv.Resize(*s.small, s.padded, image.Pt(pw, ph), 0, 0, interNearestExact)
	view := roi(s.padded, image.Rect(0, 0, w, h))
	view.CopyTo(m)
	closeROI(&view)
}
