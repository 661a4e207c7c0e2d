package analyzer

import (
	"encoding/binary"
	"math"
	"time"

	"github.com/onair-dev/onair/media"
)

// beepOnset is a beep's first sample: base + index/rate.
type beepOnset struct {
	base  time.Duration
	index int64
	rate  int
}

func (b beepOnset) at() time.Duration { return b.base + media.SamplesToDuration(b.index, b.rate) }

// offsetMs is flash − beep in ms, computed without rounding the beep to ns.
func (b beepOnset) offsetMs(flash time.Duration) float64 {
	sec := b.index / int64(b.rate)
	rem := b.index % int64(b.rate)
	d := flash - b.base - time.Duration(sec)*time.Second // exact
	return float64(d)/1e6 - float64(rem)*1000/float64(b.rate)
}

// beepDetector finds beep onsets with sample precision in a stream of
// chunks. See the package doc for the method.
type beepDetector struct {
	trigRatio, fraction float64

	samples  int64 // total analysed, over all runs
	rate     int
	channels int
	base     time.Duration // PTS of sample index 0 in this run
	next     int64         // index the next chunk should start at
	running  bool

	buf      []float32 // magnitudes of samples bufStart..
	bufStart int64
	pos      int64 // next block start

	floor     float64
	floorInit bool
	quiet     int // consecutive quiet blocks
	inBeep    bool
	hold      int
	loud      int   // blocks since the beep began
	pending   int64 // block start of a detection awaiting refinement, or -1
}

func (d *beepDetector) block() int64 { return int64(max(1, d.rate/1000)) }

func (d *beepDetector) trigger() float64 { return max(d.trigRatio*d.floor, MinBeepLevel) }

// horizon is the audio time up to which detection is final.
func (d *beepDetector) horizon() time.Duration {
	if !d.running {
		return math.MinInt64
	}
	p := d.pos
	if d.pending >= 0 {
		p = min(p, d.pending-d.block())
	}
	return d.base + media.SamplesToDuration(p, d.rate)
}

func (d *beepDetector) add(c *media.AudioFrame) []beepOnset {
	var out []beepOnset
	start := c.Start
	cont := d.running && c.SampleRate == d.rate && c.Channels == d.channels
	if cont && start != d.next {
		// Start not kept? Accept a chunk whose PTS follows within half a sample.
		want := d.base + media.SamplesToDuration(d.next, d.rate)
		diff := c.PTS - want
		if diff < 0 {
			diff = -diff
		}
		cont = diff <= time.Second/time.Duration(2*d.rate)
		start = d.next
	}
	if !cont {
		if o, ok := d.refine(true); ok {
			out = append(out, o)
		}
		d.running, d.rate, d.channels = true, c.SampleRate, c.Channels
		d.base = c.PTS - media.SamplesToDuration(start, c.SampleRate)
		d.buf, d.bufStart, d.pos = d.buf[:0], start, start
		d.quiet, d.inBeep, d.hold, d.pending = 0, false, 0, -1
	}
	d.next = start + int64(c.Samples)
	d.samples += int64(c.Samples)
	d.appendMags(c)

	B := d.block()
	end := d.bufStart + int64(len(d.buf))
	for {
		if d.pending >= 0 {
			o, ok := d.refine(false)
			if !ok {
				break // needs more lookahead
			}
			out = append(out, o)
		}
		if d.pos+B > end {
			break
		}
		d.step(d.buf[d.pos-d.bufStart : d.pos-d.bufStart+B])
		d.pos += B
	}
	// Keep a little history before the processing point.
	if keep := d.pos - historyExtra*B; keep > d.bufStart && d.pending < 0 {
		n := copy(d.buf, d.buf[keep-d.bufStart:])
		d.buf, d.bufStart = d.buf[:n], keep
	}
	return out
}

// step classifies one block starting at d.pos.
func (d *beepDetector) step(blk []float32) {
	var e float64
	for _, m := range blk {
		e += float64(m) * float64(m)
	}
	rms := math.Sqrt(e / float64(len(blk)))
	if !d.floorInit {
		d.floor, d.floorInit = rms, true // the first block is taken as the floor
		d.quiet++
		return
	}
	trig := d.trigger()
	if d.inBeep {
		d.loud++
		if d.loud > maxBeepBlocks {
			// Too long for a beep: the noise rose. Take it as the new floor.
			d.floor, d.inBeep, d.quiet = rms, false, 0
			return
		}
		if rms < trig/2 {
			d.hold++
			if d.hold >= releaseHold {
				d.inBeep, d.quiet = false, d.hold
			}
		} else {
			d.hold = 0
		}
		return
	}
	if rms > trig {
		if d.quiet >= armBlocks {
			d.pending = d.pos
		}
		d.inBeep, d.hold, d.loud = true, 0, 0 // a sound already under way at a run start has no onset
		return
	}
	d.floor += floorAlpha * (rms - d.floor)
	d.quiet++
}

// refine locates the first sample of the pending detection. Unless force,
// it waits until refineMs past the detecting block are available.
func (d *beepDetector) refine(force bool) (beepOnset, bool) {
	if d.pending < 0 {
		return beepOnset{}, false
	}
	span := int64(max(1, d.rate*refineMs/1000))
	end := d.bufStart + int64(len(d.buf))
	if !force && end < d.pending+span {
		return beepOnset{}, false
	}
	p := d.pending
	d.pending = -1
	lo := max(p-d.block(), d.bufStart)
	hi := min(p+span, end)
	var peak float32
	for i := p; i < hi; i++ {
		peak = max(peak, d.buf[i-d.bufStart])
	}
	thr := float32(max(d.fraction*float64(peak), onsetFloorK*d.floor))
	for i := lo; i < hi; i++ {
		if d.buf[i-d.bufStart] >= thr {
			return beepOnset{base: d.base, index: i, rate: d.rate}, true
		}
	}
	return beepOnset{base: d.base, index: p, rate: d.rate}, true
}

// peekPending refines a pending detection on a copy, for Result.
func (d *beepDetector) peekPending() (beepOnset, bool) {
	if d.pending < 0 {
		return beepOnset{}, false
	}
	c := *d
	return c.refine(true)
}

// appendMags appends max |x| over channels per sample, full scale 1.
func (d *beepDetector) appendMags(c *media.AudioFrame) {
	ch := c.Channels
	for s := 0; s < c.Samples; s++ {
		var m float32
		switch c.Format {
		case media.SampleS16:
			o := s * ch * 2
			for k := 0; k < ch; k++ {
				v := int16(binary.LittleEndian.Uint16(c.Data[o+2*k:]))
				a := float32(v)
				if a < 0 {
					a = -a
				}
				m = max(m, a/32768)
			}
		case media.SampleF32:
			o := s * ch * 4
			for k := 0; k < ch; k++ {
				a := float32(math.Abs(float64(math.Float32frombits(binary.LittleEndian.Uint32(c.Data[o+4*k:])))))
				m = max(m, a)
			}
		}
		d.buf = append(d.buf, m)
	}
}
