// Package analyzer is QA's A/V drift analyzer: it finds the test pattern's
// white flashes in decoded video and its beeps in decoded audio, pairs them
// and reports the per-event offset, its statistics and its drift.
//
// Definitions (all times are the streams' own PTS, never arrival times):
//
//   - Flash onset: the luma of each frame is the mean Y of every 4th pixel of
//     every 4th row. A frame is "bright" when the contrast between a running
//     bright level and a running dark level is at least MinFlashContrast and
//     its luma is above the midpoint of the two levels. A flash onset is a
//     bright frame whose predecessor was not bright (rising edge); its time is
//     that frame's PTS. A stream that starts bright has no onset there.
//   - Beep onset: audio is reduced to one magnitude per sample (the largest
//     |x| over channels, full scale 1.0) and cut into 1 ms blocks. While
//     quiet, a noise floor is kept as a running RMS of the blocks. A block
//     whose RMS exceeds max(TriggerRatio × floor, MinBeepLevel), after at
//     least 5 quiet blocks, is a detection (the very first block only
//     seeds the floor; a sound lasting over 1 s becomes the new floor); the onset is then refined to the
//     first sample, from one block before the detection on, whose magnitude
//     is at least max(OnsetFraction × peak, 5 × floor), where peak is the
//     largest magnitude in the 3 ms from the detecting block on. Its time is
//     base + index/rate, base = PTS − Start/rate of the chunk that began the
//     continuous run. A beep ends after 20 quiet blocks.
//   - Pairing: flashes in time order each take the nearest not yet used beep
//     within ±PairWindow (1 s); ties go to the earlier beep.
//   - Offset of an event, ms = flash time − beep time. Positive means the
//     audio is early (leads), the EBU R37 / ITU-R BT.1359 sign.
//   - MeanMs, StdMs (sample standard deviation, n−1; 0 for one event), MinMs,
//     MaxMs over the events; DriftMsPerMin is the least-squares slope of
//     OffsetMs against the flash time in minutes (needs 3 events).
//
// Each stream must be fed in PTS order; video and audio may interleave in any
// way. Audio is continuous while each chunk's Start follows the previous one
// (or, if Start is not kept, its PTS does); a gap restarts the beep detector,
// which then needs 5 ms of quiet before it can detect again.
package analyzer

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"sync"
	"time"

	"github.com/onair-dev/onair/media"
)

// Defaults for the options.
const (
	PairWindow       = time.Second
	MinFlashContrast = 40.0 // Y levels, 0..255
	TriggerRatio     = 8.0  // 18 dB over the noise floor
	MinBeepLevel     = 0.001
	OnsetFraction    = 0.25
)

const (
	lumaStep      = 4 // subsampling of the luma mean, both directions
	armBlocks     = 5
	releaseHold   = 20
	maxBeepBlocks = 1000 // 1 s: anything longer is a new noise floor
	refineMs      = 3
	floorAlpha    = 0.1
	darkAlpha     = 0.1
	brightAlpha   = 0.25
	brightDecay   = 0.001
	onsetFloorK   = 5.0
	historyExtra  = 4 // blocks of history kept before the processing point
)

var (
	// ErrNoVideo means no video frame was added.
	ErrNoVideo = errors.New("analyzer: no video frames")
	// ErrNoAudio means no audio was added.
	ErrNoAudio = errors.New("analyzer: no audio")
	// ErrNoEvents means no flash, no beep or no flash–beep pair was found;
	// the wrapping *NoEventsError says which.
	ErrNoEvents = errors.New("analyzer: no sync events")
	// ErrTooFewEvents is returned with a valid Result when fewer than 3
	// events were found: the mean is reported, the drift is undefined.
	ErrTooFewEvents = errors.New("analyzer: too few events for drift")
)

// NoEventsError details ErrNoEvents.
type NoEventsError struct {
	Missing string // "flashes", "beeps" or "pairs"
	Frames  int    // video frames analysed
	Flashes int
	Beeps   int
}

func (e *NoEventsError) Error() string {
	switch e.Missing {
	case "flashes":
		return fmt.Sprintf("analyzer: no sync events: no flashes found in %d video frames (%d beeps found)", e.Frames, e.Beeps)
	case "beeps":
		return fmt.Sprintf("analyzer: no sync events: no beeps found in the audio (%d flashes found)", e.Flashes)
	}
	return fmt.Sprintf("analyzer: no sync events: none of %d flashes has one of %d beeps within ±%v", e.Flashes, e.Beeps, PairWindow)
}

func (e *NoEventsError) Unwrap() error { return ErrNoEvents }

// Event is one flash paired with one beep.
type Event struct {
	Index    int           `json:"index"`
	FlashAt  time.Duration `json:"flash_at_ns"`
	BeepAt   time.Duration `json:"beep_at_ns"`
	OffsetMs float64       `json:"offset_ms"` // flash − beep; positive = audio early
}

// Result summarises a run.
type Result struct {
	Events        []Event
	MeanMs        float64
	StdMs         float64
	MinMs         float64
	MaxMs         float64
	DriftMsPerMin float64 // 0 unless DriftValid
	DriftValid    bool
	Flashes       int // onsets found, paired or not
	Beeps         int
}

// Option configures an Analyzer.
type Option func(*Analyzer)

// OnEvent calls fn for each event as soon as it is final: when the audio has
// been analysed PairWindow past the flash. Events still open when Result is
// called are not reported through fn. fn runs on the adding goroutine,
// outside the analyzer's lock.
func OnEvent(fn func(Event)) Option { return func(a *Analyzer) { a.onEvent = fn } }

// WithMinFlashContrast sets the bright−dark contrast (Y levels) below which
// no frame counts as a flash.
func WithMinFlashContrast(y float64) Option {
	return func(a *Analyzer) {
		if y > 0 {
			a.video.minContrast = y
		}
	}
}

// WithTriggerRatio sets the beep trigger as a ratio of the noise-floor RMS.
func WithTriggerRatio(r float64) Option {
	return func(a *Analyzer) {
		if r > 1 {
			a.audio.trigRatio = r
		}
	}
}

// WithOnsetFraction sets the fraction of the early peak that marks the beep's
// first sample.
func WithOnsetFraction(f float64) Option {
	return func(a *Analyzer) {
		if f > 0 && f < 1 {
			a.audio.fraction = f
		}
	}
}

// Analyzer accumulates frames and finds events. It is safe for concurrent use.
type Analyzer struct {
	mu      sync.Mutex
	onEvent func(Event)
	video   flashDetector
	audio   beepDetector
	flashes []time.Duration
	beeps   []beepOnset
	used    []bool
	events  []Event // final
	nextF   int     // first flash not yet final
}

// New returns an Analyzer.
func New(opts ...Option) *Analyzer {
	a := &Analyzer{
		video: flashDetector{minContrast: MinFlashContrast},
		audio: beepDetector{trigRatio: TriggerRatio, fraction: OnsetFraction, pending: -1},
	}
	for _, o := range opts {
		o(a)
	}
	return a
}

// AddVideo analyses one frame; it is not retained. Frames that are not
// valid are skipped.
func (a *Analyzer) AddVideo(f *media.VideoFrame) {
	if f == nil || f.Validate() != nil {
		return
	}
	l := frameLuma(f)
	a.mu.Lock()
	if a.video.add(l) {
		a.flashes = append(a.flashes, f.PTS)
	}
	evs := a.settle(a.audio.horizon())
	a.mu.Unlock()
	a.emit(evs)
}

// AddAudio analyses one chunk; it is not retained. Chunks that are not valid
// are skipped.
func (a *Analyzer) AddAudio(c *media.AudioFrame) {
	if c == nil || c.Validate() != nil || c.Samples <= 0 {
		return
	}
	a.mu.Lock()
	for _, o := range a.audio.add(c) {
		a.beeps = append(a.beeps, o)
		a.used = append(a.used, false)
	}
	evs := a.settle(a.audio.horizon())
	a.mu.Unlock()
	a.emit(evs)
}

func (a *Analyzer) emit(evs []Event) {
	if a.onEvent == nil {
		return
	}
	for _, e := range evs {
		a.onEvent(e)
	}
}

// settle makes final the flashes whose pairing window the audio has passed.
func (a *Analyzer) settle(horizon time.Duration) []Event {
	var out []Event
	for a.nextF < len(a.flashes) && a.flashes[a.nextF]+PairWindow <= horizon {
		if e, ok := pair(a.flashes[a.nextF], a.beeps, a.used, len(a.events)); ok {
			a.events = append(a.events, e)
			out = append(out, e)
		}
		a.nextF++
	}
	return out
}

// pair takes the nearest unused beep within PairWindow of flash, marking it used.
func pair(flash time.Duration, beeps []beepOnset, used []bool, index int) (Event, bool) {
	best, bestD := -1, time.Duration(math.MaxInt64)
	// beeps are in time order: start at the first one that can be in range.
	i := sort.Search(len(beeps), func(i int) bool { return beeps[i].at() >= flash-PairWindow })
	for ; i < len(beeps) && beeps[i].at() <= flash+PairWindow; i++ {
		if used[i] {
			continue
		}
		d := beeps[i].at() - flash
		if d < 0 {
			d = -d
		}
		if d < bestD {
			best, bestD = i, d
		}
	}
	if best < 0 {
		return Event{}, false
	}
	used[best] = true
	b := beeps[best]
	return Event{Index: index, FlashAt: flash, BeepAt: b.at(), OffsetMs: b.offsetMs(flash)}, true
}

// Result pairs what is still open and computes the statistics. It does not
// change the analyzer: more frames may be added and Result called again.
// With fewer than 3 events it returns the Result and ErrTooFewEvents.
func (a *Analyzer) Result() (Result, error) {
	a.mu.Lock()
	frames := a.video.n
	audio := a.audio.samples > 0
	beeps := append([]beepOnset(nil), a.beeps...)
	if p, ok := a.audio.peekPending(); ok {
		beeps = append(beeps, p)
	}
	used := append([]bool(nil), a.used...)
	used = append(used, make([]bool, len(beeps)-len(used))...)
	events := append([]Event(nil), a.events...)
	for _, f := range a.flashes[a.nextF:] {
		if e, ok := pair(f, beeps, used, len(events)); ok {
			events = append(events, e)
		}
	}
	nFlash := len(a.flashes)
	a.mu.Unlock()

	switch {
	case frames == 0 && !audio:
		return Result{}, errors.Join(ErrNoVideo, ErrNoAudio)
	case frames == 0:
		return Result{}, ErrNoVideo
	case !audio:
		return Result{}, ErrNoAudio
	}
	r := Result{Events: events, Flashes: nFlash, Beeps: len(beeps)}
	if len(events) == 0 {
		e := &NoEventsError{Missing: "pairs", Frames: frames, Flashes: nFlash, Beeps: len(beeps)}
		if nFlash == 0 {
			e.Missing = "flashes"
		} else if len(beeps) == 0 {
			e.Missing = "beeps"
		}
		return r, e
	}
	r.stats()
	if !r.DriftValid {
		return r, fmt.Errorf("%w: %d events, need 3", ErrTooFewEvents, len(events))
	}
	return r, nil
}

func (r *Result) stats() {
	n := float64(len(r.Events))
	r.MinMs, r.MaxMs = math.Inf(1), math.Inf(-1)
	var sum, sumT float64
	for _, e := range r.Events {
		sum += e.OffsetMs
		sumT += e.FlashAt.Minutes()
		r.MinMs, r.MaxMs = min(r.MinMs, e.OffsetMs), max(r.MaxMs, e.OffsetMs)
	}
	r.MeanMs = sum / n
	meanT := sumT / n
	var ss, stt, sty float64
	for _, e := range r.Events {
		d, dt := e.OffsetMs-r.MeanMs, e.FlashAt.Minutes()-meanT
		ss += d * d
		stt += dt * dt
		sty += dt * d
	}
	if len(r.Events) > 1 {
		r.StdMs = math.Sqrt(ss / (n - 1))
	}
	if len(r.Events) >= 3 && stt > 0 {
		r.DriftMsPerMin, r.DriftValid = sty/stt, true
	}
}

// frameLuma is the mean luma of a subsampled grid of the frame, 0..255.
func frameLuma(f *media.VideoFrame) float64 {
	var sum, n int
	switch f.Format {
	case media.PixelI420:
		for y := 0; y < f.Height; y += lumaStep {
			row := f.Plane[0][y*f.Stride[0] : y*f.Stride[0]+f.Width]
			for x := 0; x < len(row); x += lumaStep {
				sum += int(row[x])
			}
			n += (len(row) + lumaStep - 1) / lumaStep
		}
	case media.PixelRGB24, media.PixelBGR24:
		ri, bi := 0, 2
		if f.Format == media.PixelBGR24 {
			ri, bi = 2, 0
		}
		for y := 0; y < f.Height; y += lumaStep {
			row := f.Plane[0][y*f.Stride[0] : y*f.Stride[0]+3*f.Width]
			for x := 0; x+2 < len(row); x += 3 * lumaStep {
				// BT.601 studio-range luma.
				sum += (66*int(row[x+ri])+129*int(row[x+1])+25*int(row[x+bi])+128)>>8 + 16
				n++
			}
		}
	}
	if n == 0 {
		return 0
	}
	return float64(sum) / float64(n)
}

// flashDetector finds rising edges of frame luma.
type flashDetector struct {
	minContrast  float64
	n            int
	dark, bright float64
	prevBright   bool
}

func (d *flashDetector) add(l float64) (onset bool) {
	d.n++
	if d.n == 1 {
		d.dark, d.bright = l, l
		return false
	}
	d.bright = max(d.bright, l)
	d.dark = min(d.dark, l)
	bright := d.bright-d.dark >= d.minContrast && l > (d.dark+d.bright)/2
	onset = bright && !d.prevBright
	if bright {
		d.bright += brightAlpha * (l - d.bright)
	} else {
		d.dark += darkAlpha * (l - d.dark)
		d.bright -= brightDecay * (d.bright - d.dark)
	}
	d.prevBright = bright
	return onset
}
