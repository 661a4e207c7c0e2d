package preview

import (
	"image"
	"image/color"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"go.uber.org/goleak"

	"github.com/onair-dev/onair/media"
)

// source is a session stand-in: the latest frame, swapped by the test.
// With queued frames it hands them out one per call (the last one sticks),
// so a test can make the "encoder" run ahead between poll and show.
type source struct {
	mu     sync.Mutex
	frames []*media.VideoFrame
	calls  atomic.Int64
}

func (s *source) set(f ...*media.VideoFrame) {
	s.mu.Lock()
	s.frames = f
	s.mu.Unlock()
}

func (s *source) latest() *media.VideoFrame {
	s.calls.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.frames) == 0 {
		return nil
	}
	f := s.frames[0]
	if len(s.frames) > 1 {
		s.frames = s.frames[1:]
	}
	return f
}

func seqFrame(seq uint64, w, h int, paint func(x, y int) yuv) *media.VideoFrame {
	f := frame(w, h, 0, paint)
	f.Seq, f.PTS = seq, time.Duration(seq)*time.Second/30
	return f
}

// rig is a preview in a 320×180 test window whose clock and ticks the test drives.
type rig struct {
	t    *testing.T
	p    *Preview
	w    fyne.Window
	src  *source
	tick chan time.Time
	now  time.Time
}

func newRig(t *testing.T) *rig {
	test.NewTempApp(t)
	r := &rig{t: t, p: New(), src: &source{}, tick: make(chan time.Time), now: time.Unix(1000, 0)}
	r.p.now = func() time.Time { return r.now }
	r.p.newTicker = func(time.Duration) (<-chan time.Time, func()) { return r.tick, func() {} }
	r.w = test.NewWindow(r.p)
	r.w.SetPadded(false)
	r.w.Resize(fyne.NewSize(320, 180))
	t.Cleanup(func() { r.p.Stop(); r.w.Close() })
	return r
}

// step hands the loop one tick and waits until it has handled it.
func (r *rig) step() {
	r.t.Helper()
	polls := r.p.Stats().Polls
	select {
	case r.tick <- r.now:
	case <-time.After(5 * time.Second):
		r.t.Fatal("the preview loop did not take a tick")
	}
	for deadline := time.Now().Add(5 * time.Second); r.p.Stats().Polls == polls; {
		if time.Now().After(deadline) {
			r.t.Fatal("the preview loop did not finish a tick")
		}
		time.Sleep(time.Millisecond)
	}
}

func (r *rig) pixel(x, y int) rgb {
	img := r.w.Canvas().Capture()
	c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
	return rgb{int(c.R), int(c.G), int(c.B)}
}

func TestPreviewShowsNewFramesAndSkipsRepeats(t *testing.T) {
	r := newRig(t)
	p := r.p
	if got := p.Placeholder(); got != TextNotLive {
		t.Fatalf("placeholder before a source = %q, want %q", got, TextNotLive)
	}
	p.SetSource(r.src.latest)
	p.Start(30)
	p.Start(30) // a second Start is a no-op

	r.src.set(seqFrame(1, 640, 360, quadrants(640, 360)))
	r.step()
	if s := p.Stats(); s.Frames != 1 || s.Converted != 1 || s.LastSeq != 1 || s.LastPTS != time.Second/30 {
		t.Fatalf("after the first frame: %+v", s)
	}
	if got := p.Placeholder(); got != "" {
		t.Fatalf("placeholder while live = %q", got)
	}
	// The picture on the canvas is the frame, at the widget's size.
	if c := r.pixel(80, 45); !near(c, wantWhite, 3) {
		t.Errorf("top left quadrant on screen = %v, want white", c)
	}
	if c := r.pixel(240, 135); !near(c, wantBlue, 4) {
		t.Errorf("bottom right quadrant on screen = %v, want blue", c)
	}
	if img := p.front.Load(); img == nil || img.Rect.Dx() != 320 || img.Rect.Dy() != 180 {
		t.Fatalf("front buffer %v, want 320×180", img.Rect)
	}

	// Same frame again: skipped, nothing converted.
	r.step()
	if s := p.Stats(); s.Frames != 1 || s.Converted != 1 || s.Skipped != 1 {
		t.Fatalf("same frame twice: %+v", s)
	}

	// New frames are shown and LastSeq follows.
	for seq := uint64(2); seq <= 6; seq++ {
		r.now = r.now.Add(time.Second / 30)
		r.src.set(seqFrame(seq, 640, 360, solid(red)))
		r.step()
		if s := p.Stats(); s.Frames != seq || s.LastSeq != seq {
			t.Fatalf("frame %d: %+v", seq, s)
		}
	}
	if c := r.pixel(160, 90); !near(c, wantRed, 4) {
		t.Errorf("on screen = %v, want red", c)
	}
	if s := p.Stats(); s.FPS != 6 || s.LagFrames != 0 {
		t.Errorf("6 frames within a second: FPS %v, lag %d", s.FPS, s.LagFrames)
	}
	r.now = r.now.Add(2 * time.Second)
	if s := p.Stats(); s.FPS != 0 {
		t.Errorf("FPS two seconds after the last frame = %v", s.FPS)
	}

	// The source moved on by 3 frames between the poll and the showing.
	r.src.set(seqFrame(10, 640, 360, solid(green)), seqFrame(13, 640, 360, solid(green)))
	r.step()
	if s := p.Stats(); s.LastSeq != 10 || s.LagFrames != 3 || s.MaxLagFrames != 3 {
		t.Errorf("lag: %+v, want LastSeq 10 LagFrames 3", s)
	}

	// The source has nothing any more: back to the placeholder.
	r.src.set()
	r.step()
	if got := p.Placeholder(); got != TextNotLive {
		t.Errorf("placeholder after the source emptied = %q", got)
	}
}

// Buffers are reused: in steady state a shown frame allocates nothing of ours.
func TestPreviewReusesBuffers(t *testing.T) {
	r := newRig(t)
	r.p.SetSource(r.src.latest)
	r.p.Start(30)
	a, b := seqFrame(1, 640, 360, solid(white)), seqFrame(2, 640, 360, solid(black))
	seen := map[*image.RGBA]bool{}
	for i := 0; i < 6; i++ {
		r.src.set([]*media.VideoFrame{a, b}[i%2])
		r.step()
		seen[r.p.front.Load()] = true
	}
	if s := r.p.Stats(); s.Frames != 6 {
		t.Fatalf("stats %+v, want 6 frames", s)
	}
	if len(seen) != 2 {
		t.Errorf("%d distinct front buffers over 6 frames, want 2 (double buffer)", len(seen))
	}
}

// A 4:3 frame in a 16:9 widget is letterboxed with black bars.
func TestPreviewKeepsAspect(t *testing.T) {
	r := newRig(t)
	r.p.SetSource(r.src.latest)
	r.p.Start(30)
	r.src.set(seqFrame(1, 640, 480, solid(white)))
	r.step()
	// 180 px high → 240 px wide picture from x=40 to 280.
	for _, c := range []struct {
		x    int
		want rgb
	}{{10, wantBlack}, {38, wantBlack}, {42, wantWhite}, {160, wantWhite}, {277, wantWhite}, {282, wantBlack}, {310, wantBlack}} {
		if got := r.pixel(c.x, 90); !near(got, c.want, 3) {
			t.Errorf("x=%d: %v, want %v", c.x, got, c.want)
		}
	}
}

func TestPreviewDisabledStopsConverting(t *testing.T) {
	r := newRig(t)
	p := r.p
	p.SetSource(r.src.latest)
	p.Start(30)
	f := seqFrame(1, 640, 360, solid(white))
	r.src.set(f)
	r.step()

	p.SetEnabled(false)
	if got := p.Placeholder(); got != TextOff {
		t.Fatalf("placeholder when off = %q, want %q", got, TextOff)
	}
	calls := r.src.calls.Load()
	r.src.set(seqFrame(2, 640, 360, solid(red)))
	// The loop is parked: it takes no tick, polls nothing, converts nothing.
	select {
	case r.tick <- r.now:
		t.Error("a disabled preview took a tick")
	case <-time.After(100 * time.Millisecond):
	}
	if s := p.Stats(); s.Converted != 1 || s.Frames != 1 || r.src.calls.Load() != calls {
		t.Errorf("while off: %+v, source called %d times", s, r.src.calls.Load()-calls)
	}

	// On again: the latest frame is shown, even one seen before.
	r.src.set(f)
	p.SetEnabled(true)
	r.step()
	if s := p.Stats(); s.Converted != 2 || s.Frames != 2 || p.Placeholder() != "" {
		t.Errorf("after turning on: %+v, placeholder %q", s, p.Placeholder())
	}

	p.SetSource(nil)
	if got := p.Placeholder(); got != TextNotLive {
		t.Errorf("placeholder without a source = %q, want %q", got, TextNotLive)
	}
}

// Malformed frames are refused and counted, never drawn or panicked on.
func TestPreviewRefusesBadFrames(t *testing.T) {
	r := newRig(t)
	r.p.SetSource(r.src.latest)
	r.p.Start(30)
	bad := seqFrame(1, 640, 360, solid(white))
	bad.Plane[0] = bad.Plane[0][:100]
	r.src.set(bad)
	r.step()
	r.step()
	r.src.set(&media.VideoFrame{Format: media.PixelI420, Seq: 2})
	r.step()
	r.src.set(&media.VideoFrame{Format: media.PixelFormat(99), Width: 2, Height: 2, Seq: 3})
	r.step()
	if s := r.p.Stats(); s.Bad != 3 || s.Skipped != 1 || s.Frames != 0 || s.Converted != 0 {
		t.Errorf("bad frames: %+v", s)
	}
	if got := r.p.Placeholder(); got != TextNotLive {
		t.Errorf("placeholder = %q", got)
	}
}

// With a real ticker: frames flow, Stop waits, and no goroutine is left.
func TestPreviewStartStopLeavesNoGoroutine(t *testing.T) {
	test.NewTempApp(t)
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	p := New()
	p.Resize(fyne.NewSize(160, 90))
	p.Stop() // not started: no-op
	src := &source{}
	var seq atomic.Uint64
	frames := []*media.VideoFrame{seqFrame(0, 320, 180, solid(white)), seqFrame(0, 320, 180, solid(black))}
	next := func() *media.VideoFrame { // a new frame every call, like a fast encoder input
		f := *frames[seq.Load()%2]
		f.Seq = seq.Add(1)
		return &f
	}
	src.set(next())
	p.SetSource(func() *media.VideoFrame {
		src.set(next())
		return src.latest()
	})
	for round := 0; round < 2; round++ {
		p.Start(200)
		waitFor(t, func() bool { return p.Stats().Frames >= uint64(3*(round+1)) })
		stopped := make(chan struct{})
		go func() { p.Stop(); p.Stop(); close(stopped) }()
		select {
		case <-stopped:
		case <-time.After(5 * time.Second):
			t.Fatal("Stop did not return")
		}
		s := p.Stats()
		time.Sleep(30 * time.Millisecond)
		if s2 := p.Stats(); s2.Polls != s.Polls {
			t.Fatalf("polls went on after Stop: %d → %d", s.Polls, s2.Polls)
		}
	}
	// Off: a started preview polls nothing, at any rate.
	p.SetEnabled(false)
	p.Start(1000)
	before := p.Stats().Polls
	time.Sleep(50 * time.Millisecond)
	if after := p.Stats().Polls; after != before {
		t.Errorf("disabled preview polled %d times", after-before)
	}
	p.Stop()
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
	}
}

// A resize redraws even a paused frame at the new size.
func TestPreviewFollowsResize(t *testing.T) {
	r := newRig(t)
	r.p.SetSource(r.src.latest)
	r.p.Start(30)
	r.src.set(seqFrame(1, 640, 360, solid(white)))
	r.step()
	r.w.Resize(fyne.NewSize(200, 150))
	r.step()
	if s := r.p.Stats(); s.Converted != 2 || s.Frames != 2 {
		t.Fatalf("after resize: %+v", s)
	}
	if img := r.p.front.Load(); img.Rect.Dx() != 200 || img.Rect.Dy() != 150 {
		t.Errorf("front buffer %v after resizing to 200×150", img.Rect)
	}
	if c := r.pixel(100, 5); !near(c, wantBlack, 2) { // 16:9 in 4:3: bars top and bottom
		t.Errorf("top bar %v, want black", c)
	}
	if c := r.pixel(100, 75); !near(c, wantWhite, 2) {
		t.Errorf("centre %v, want white", c)
	}
}

// In steady state a poll that shows a new frame allocates nothing of ours;
// what Fyne's Do and Refresh allocate is measured apart and allowed.
func TestPreviewPollAllocs(t *testing.T) {
	r := newRig(t)
	var latest atomic.Pointer[media.VideoFrame]
	r.p.SetSource(latest.Load)
	frames := [2]*media.VideoFrame{seqFrame(1, 640, 360, solid(white)), seqFrame(2, 640, 360, solid(black))}
	i := 0
	show := func() {
		i++
		latest.Store(frames[i%2])
		r.p.poll()
	}
	show()
	show() // both buffers allocated
	refresh := testing.AllocsPerRun(20, func() { r.p.raster.Refresh(); fyne.Do(func() {}) })
	n := testing.AllocsPerRun(20, show)
	if s := r.p.Stats(); s.Frames < 20 || s.Frames != s.Polls {
		t.Fatalf("frames not shown: %+v", r.p.Stats())
	}
	if n > refresh {
		t.Errorf("a shown frame allocates %v times, Fyne's own refresh and Do %v", n, refresh)
	}
}
