// Package preview is the live picture of the streaming window. It polls the
// session's latest frame at the source rate, converts it to RGBA at the
// widget's pixel size and shows it; it never blocks or slows the encoders,
// whose frames it only reads.
package preview

import (
	"image"
	"image/color"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/onair-dev/onair/media"
)

// Source returns the latest frame, or nil when there is none. It must be
// cheap and never block (pipeline.Session.LatestFrame is one).
type Source func() *media.VideoFrame

// Placeholder texts, shown instead of a picture.
var (
	TextOff     = "Preview off"
	TextNotLive = "Not live"
)

// Preview shows frames from a Source. Its setters are called from the Fyne
// goroutine like any widget's; Start, Stop and Stats from anywhere.
type Preview struct {
	widget.BaseWidget

	raster *canvas.Raster
	label  *canvas.Text
	black  *image.RGBA // what the raster draws before the first frame

	src     atomic.Pointer[Source]
	enabled atomic.Bool
	gen     atomic.Uint64 // bumped by the setters: the loop forgets its last frame
	wake    chan struct{} // nudges a parked loop

	paintSize  atomic.Uint64 // w<<32|h in pixels, as the painter asks the raster
	layoutSize atomic.Uint64 // the same from Layout, used until the first paint
	front      atomic.Pointer[image.RGBA]
	ready      atomic.Pointer[slot] // converted, waiting for the UI to take it
	text       atomic.Pointer[string]

	life sync.Mutex // Start/Stop
	quit chan struct{}
	done chan struct{}
	loop loopState // owned by the loop goroutine

	statsMu sync.Mutex
	stats   Stats
	shownAt [fpsRing]time.Time // times of the last frames shown, for FPS
	shownN  int

	// do hands work to the Fyne goroutine (fyne.Do; see SetDo).
	do func(func())

	// Injected so tests drive time; real clocks by default.
	now       func() time.Time
	newTicker func(time.Duration) (<-chan time.Time, func())

	swapFn, notLiveFn func() // built once: no closure per frame
}

// New returns a preview with no source, enabled, not started.
func New() *Preview {
	p := &Preview{
		black: image.NewRGBA(image.Rect(0, 0, 1, 1)),
		wake:  make(chan struct{}, 1),
		now:   time.Now,
		do:    fyne.Do,
		newTicker: func(d time.Duration) (<-chan time.Time, func()) {
			t := time.NewTicker(d)
			return t.C, t.Stop
		},
	}
	p.black.Pix[3] = 0xff
	p.raster = canvas.NewRaster(p.generate)
	p.raster.ScaleMode = canvas.ImageScaleFastest
	p.label = canvas.NewText("", theme.Color(theme.ColorNameForeground))
	p.label.Alignment = fyne.TextAlignCenter
	p.swapFn, p.notLiveFn = p.swap, func() { p.setText(TextNotLive) }
	p.enabled.Store(true)
	p.setText(TextNotLive)
	p.ExtendBaseWidget(p)
	return p
}

// SetDo replaces how the preview hands a picture to the Fyne goroutine
// (fyne.Do by default); call before Start. The window's tests use it to
// serialise widget work, as Fyne's test driver runs fyne.Do inline.
func (p *Preview) SetDo(do func(func())) { p.do = do }

// SetSource sets where frames come from; nil shows "Not live".
func (p *Preview) SetSource(src Source) {
	if src == nil {
		p.src.Store(nil)
	} else {
		p.src.Store(&src)
	}
	p.changed()
}

// SetEnabled turns the picture on or off. Off shows "Preview off" and the
// loop parks: no polling, converting or refreshing until it is on again.
func (p *Preview) SetEnabled(on bool) {
	p.enabled.Store(on)
	p.changed()
}

func (p *Preview) changed() {
	p.gen.Add(1)
	switch {
	case !p.enabled.Load():
		p.setText(TextOff)
	case p.src.Load() == nil:
		p.setText(TextNotLive)
	}
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// source is the current source, nil when off or unset.
func (p *Preview) source() Source {
	if !p.enabled.Load() {
		return nil
	}
	if s := p.src.Load(); s != nil {
		return *s
	}
	return nil
}

// Placeholder is the text shown instead of a picture, "" while live.
func (p *Preview) Placeholder() string { return *p.text.Load() }

// setText shows msg over a hidden picture, or the picture when msg is "".
// Runs on the Fyne goroutine.
func (p *Preview) setText(msg string) {
	if old := p.text.Load(); old != nil && *old == msg {
		return
	}
	m := msg // a copy escapes, so the early return above allocates nothing
	p.text.Store(&m)
	p.label.Text = msg
	if msg == "" {
		p.label.Hide()
		p.raster.Show()
	} else {
		p.front.Store(nil) // a stale picture must not come back on show
		p.raster.Hide()
		p.label.Show()
	}
	p.label.Refresh()
	p.raster.Refresh()
}

// swap puts the converted picture on screen. Runs on the Fyne goroutine, so
// once it returns the painter no longer reads the previous front buffer and
// the loop may write into it.
func (p *Preview) swap() {
	s := p.ready.Swap(nil)
	if s == nil {
		return
	}
	src := p.source()
	if src == nil { // turned off while converting
		return
	}
	p.front.Store(s.full)
	p.setText("")
	p.raster.Refresh()
	var latest uint64
	if f := src(); f != nil {
		latest = f.Seq
	}
	p.shown(s.seq, s.pts, latest)
}

// generate is the raster's generator: it learns the pixel size and hands over
// the front buffer, stretched by the painter until a frame of the new size.
func (p *Preview) generate(w, h int) image.Image {
	p.paintSize.Store(packSize(w, h))
	if img := p.front.Load(); img != nil {
		return img
	}
	return p.black
}

func packSize(w, h int) uint64 { return uint64(uint32(w))<<32 | uint64(uint32(h)) }

// pixelSize is the size to convert to; 0×0 before the widget is laid out.
func (p *Preview) pixelSize() (w, h int) {
	s := p.paintSize.Load()
	if s == 0 {
		s = p.layoutSize.Load()
	}
	return int(s >> 32), int(uint32(s))
}

// CreateRenderer is part of fyne.Widget.
func (p *Preview) CreateRenderer() fyne.WidgetRenderer {
	bg := canvas.NewRectangle(color.Black)
	return &renderer{p: p, bg: bg, objs: []fyne.CanvasObject{bg, p.raster, p.label}}
}

type renderer struct {
	p    *Preview
	bg   *canvas.Rectangle
	objs []fyne.CanvasObject
}

func (r *renderer) Layout(size fyne.Size) {
	r.bg.Resize(size)
	r.p.raster.Resize(size)
	ts := r.p.label.MinSize()
	r.p.label.Move(fyne.NewPos(0, (size.Height-ts.Height)/2))
	r.p.label.Resize(fyne.NewSize(size.Width, ts.Height))
	scale := float32(1)
	if c := fyne.CurrentApp().Driver().CanvasForObject(r.p); c != nil {
		scale = c.Scale()
	}
	r.p.layoutSize.Store(packSize(int(size.Width*scale+0.5), int(size.Height*scale+0.5)))
	r.p.paintSize.Store(0) // stale until the painter asks at the new size
}

func (r *renderer) MinSize() fyne.Size           { return fyne.NewSize(160, 90) }
func (r *renderer) Objects() []fyne.CanvasObject { return r.objs }
func (r *renderer) Destroy()                     {}
func (r *renderer) Refresh() {
	r.p.label.Color = theme.Color(theme.ColorNameForeground)
	r.p.label.Refresh()
	r.p.raster.Refresh()
}
