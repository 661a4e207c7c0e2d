package preview

import (
	"image"
	"time"

	"github.com/onair-dev/onair/media"
)

// slot is one of the two RGBA buffers: the loop writes one while the
// raster may read the other.
type slot struct {
	full   *image.RGBA // widget-sized, black bars included
	view   *image.RGBA // the letterboxed picture inside full
	fw, fh int         // frame size view was laid out for
	seq    uint64
	pts    time.Duration
}

type loopState struct {
	slots [2]slot
	next  int // slot to write next
	last  *media.VideoFrame
	lastW int // pixel size last converted to: a resize redraws a paused frame
	lastH int
	gen   uint64
	live  bool // the last thing posted was a picture, not the placeholder
}

// Start polls the source rate times a second (30 if rate ≤ 0) on its own
// goroutine. A second Start while running does nothing.
func (p *Preview) Start(rate int) {
	p.life.Lock()
	defer p.life.Unlock()
	if p.quit != nil {
		return
	}
	if rate <= 0 {
		rate = 30
	}
	p.quit, p.done = make(chan struct{}), make(chan struct{})
	tick, stop := p.newTicker(time.Second / time.Duration(rate))
	go p.run(tick, stop, p.quit, p.done)
}

// Stop ends the goroutine and waits for it. Safe to call twice or unstarted.
func (p *Preview) Stop() {
	p.life.Lock()
	defer p.life.Unlock()
	if p.quit == nil {
		return
	}
	close(p.quit)
	<-p.done
	p.quit, p.done = nil, nil
}

func (p *Preview) run(tick <-chan time.Time, stop func(), quit, done chan struct{}) {
	defer close(done)
	defer stop()
	for {
		if p.source() == nil {
			// Off or no source: park, so a stopped timer costs nothing.
			select {
			case <-quit:
				return
			case <-p.wake:
				continue
			}
		}
		select {
		case <-quit:
			if p.loop.live {
				p.do(p.notLiveFn)
			}
			return
		case <-p.wake:
		case <-tick:
			p.poll()
		}
	}
}

// poll shows the source's latest frame if it is new. Only this goroutine
// touches p.loop and the slot being written.
func (p *Preview) poll() {
	defer p.count(func(s *Stats) { s.Polls++ })
	l := &p.loop
	if g := p.gen.Load(); g != l.gen {
		l.gen, l.last = g, nil
	}
	src := p.source()
	if src == nil {
		return
	}
	f := src()
	if f == nil {
		if l.live {
			l.live, l.last = false, nil
			p.do(p.notLiveFn)
		}
		return
	}
	w, h := p.pixelSize()
	if w <= 0 || h <= 0 {
		return // not laid out yet
	}
	if f == l.last && w == l.lastW && h == l.lastH {
		p.count(func(s *Stats) { s.Skipped++ })
		return
	}
	if p.ready.Load() != nil {
		// The UI has not taken the previous picture; writing now would
		// draw into what it may be painting. The next tick gets a newer frame.
		p.count(func(s *Stats) { s.Busy++ })
		return
	}
	l.last, l.lastW, l.lastH = f, w, h
	s := &l.slots[l.next]
	if f.Validate() != nil { // before layout, which divides by the frame size
		p.count(func(s *Stats) { s.Bad++ })
		return
	}
	s.layout(w, h, f.Width, f.Height)
	if !convertFrame(s.view, f) {
		p.count(func(s *Stats) { s.Bad++ })
		return
	}
	s.seq, s.pts = f.Seq, f.PTS
	l.live = true
	l.next ^= 1
	p.count(func(s *Stats) { s.Converted++ })
	p.ready.Store(s)
	p.do(p.swapFn)
}

// layout (re)allocates the buffer for a w×h widget and centres a picture of
// the frame's aspect in it; in steady state it does nothing.
func (s *slot) layout(w, h, fw, fh int) {
	if s.full == nil || s.full.Rect.Dx() != w || s.full.Rect.Dy() != h {
		s.full = image.NewRGBA(image.Rect(0, 0, w, h))
		s.fw = 0
	}
	if s.fw == fw && s.fh == fh {
		return
	}
	s.fw, s.fh = fw, fh
	// Opaque black bars; the picture area is overwritten every frame.
	pix := s.full.Pix
	for i := range pix {
		pix[i] = 0
		if i&3 == 3 {
			pix[i] = 0xff
		}
	}
	vw, vh := w, h
	if w*fh > h*fw { // widget wider than the picture: bars left and right
		vw = max(1, (h*fw+fh/2)/fh)
	} else {
		vh = max(1, (w*fh+fw/2)/fw)
	}
	x0, y0 := (w-vw)/2, (h-vh)/2
	s.view = s.full.SubImage(image.Rect(x0, y0, x0+vw, y0+vh)).(*image.RGBA)
}
