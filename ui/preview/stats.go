package preview

import "time"

// Stats counts what the preview did since New.
type Stats struct {
	Frames    uint64 // pictures put on screen
	Converted uint64 // frames converted to RGBA
	Skipped   uint64 // polls that found the frame already shown
	Busy      uint64 // polls passed over: the UI had not yet taken the last picture
	Bad       uint64 // frames refused: malformed, or a format the preview cannot draw
	Polls     uint64 // ticks handled while enabled with a source

	LastSeq uint64        // Seq of the frame on screen
	LastPTS time.Duration // its PTS
	FPS     float64       // pictures shown during the last second

	// LagFrames is how many frames the source was ahead of the picture at the
	// moment it was shown (its latest Seq − the shown Seq): the preview's
	// delay behind the encoders' input. MaxLagFrames is the worst so far.
	LagFrames    uint64
	MaxLagFrames uint64
}

// fpsRing holds the times of the last pictures shown; more than the highest
// rate a preview draws, so a second always fits.
const fpsRing = 256

// Stats returns a snapshot; safe from any goroutine.
func (p *Preview) Stats() Stats {
	p.statsMu.Lock()
	defer p.statsMu.Unlock()
	s := p.stats
	since := p.now().Add(-time.Second)
	for i := 0; i < min(p.shownN, fpsRing); i++ {
		if p.shownAt[i].After(since) {
			s.FPS++
		}
	}
	return s
}

func (p *Preview) count(add func(*Stats)) {
	p.statsMu.Lock()
	add(&p.stats)
	p.statsMu.Unlock()
}

// shown records a picture put on screen while the source was at latest.
func (p *Preview) shown(seq uint64, pts time.Duration, latest uint64) {
	now := p.now()
	p.statsMu.Lock()
	defer p.statsMu.Unlock()
	s := &p.stats
	s.Frames++
	s.LastSeq, s.LastPTS = seq, pts
	s.LagFrames = 0
	if latest > seq {
		s.LagFrames = latest - seq
	}
	s.MaxLagFrames = max(s.MaxLagFrames, s.LagFrames)
	p.shownAt[p.shownN%fpsRing] = now
	p.shownN++
}
