package filters

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
	"gocv.io/x/gocv"

	"github.com/go-gst/go-gst/gst"

	"github.com/onair-dev/onair/media"
)

// ---- test filters ----------------------------------------------------------

type stInvert struct{ closed atomic.Bool }

func (*stInvert) Name() string { return "invert" }
func (*stInvert) Spec() string { return "invert" }
func (f *stInvert) Apply(img *gocv.Mat) error {
	if f.closed.Load() {
		return ErrFilterClosed
	}
	gocv.BitwiseNot(*img, img)
	return nil
}
func (f *stInvert) Close() error { f.closed.Store(true); return nil }

type stBrighten struct{ by uint8 }

func (*stBrighten) Name() string                { return "brighten" }
func (f *stBrighten) Spec() string              { return fmt.Sprintf("brighten:by=%d", f.by) }
func (f *stBrighten) Apply(img *gocv.Mat) error { img.AddUChar(f.by); return nil }
func (*stBrighten) Close() error                { return nil }

type stNoop struct{ n atomic.Int64 }

func (*stNoop) Name() string            { return "noop" }
func (*stNoop) Spec() string            { return "noop" }
func (f *stNoop) Apply(*gocv.Mat) error { f.n.Add(1); return nil }
func (*stNoop) Close() error            { return nil }

// stPanic panics on its at-th call (1-based).
type stPanic struct {
	at, n  int
	closed atomic.Bool
}

func (*stPanic) Name() string { return "panic" }
func (*stPanic) Spec() string { return "panic" }
func (f *stPanic) Apply(*gocv.Mat) error {
	f.n++
	if f.n == f.at {
		panic("boom")
	}
	return nil
}
func (f *stPanic) Close() error { f.closed.Store(true); return nil }

type stErr struct{}

func (stErr) Name() string          { return "err" }
func (stErr) Spec() string          { return "err" }
func (stErr) Apply(*gocv.Mat) error { return errors.New("cannot") }
func (stErr) Close() error          { return nil }

// stGrayInPlace converts the Mat to 1 channel: breaks the frame view.
type stGrayInPlace struct{}

func (*stGrayInPlace) Name() string { return "grayinplace" }
func (*stGrayInPlace) Spec() string { return "grayinplace" }
func (*stGrayInPlace) Apply(img *gocv.Mat) error {
	gocv.CvtColor(*img, img, gocv.ColorBGRToGray)
	return nil
}
func (*stGrayInPlace) Close() error { return nil }

// ---- helpers ---------------------------------------------------------------

func stLeakCheck(t *testing.T) {
	t.Helper()
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, opt) })
}

// stFlatFrame is a w×h I420 frame of luma y, neutral chroma, with padded
// strides so Push has to respect them.
func stFlatFrame(w, h int, y byte, seq uint64) *media.VideoFrame {
	cw, ch := (w+1)/2, (h+1)/2
	f := &media.VideoFrame{Format: media.PixelI420, Width: w, Height: h, Seq: seq,
		PTS: time.Duration(seq) * time.Second / 30}
	f.Stride = [3]int{w + 16, cw + 8, cw + 8}
	f.Plane[0] = make([]byte, f.Stride[0]*h)
	f.Plane[1] = make([]byte, f.Stride[1]*ch)
	f.Plane[2] = make([]byte, f.Stride[2]*ch)
	for i := range f.Plane[0] {
		f.Plane[0][i] = y
	}
	for i := range f.Plane[1] {
		f.Plane[1][i], f.Plane[2][i] = 128, 128
	}
	return f
}

func stNewStage(t *testing.T, opts ...StageOption) *Stage {
	t.Helper()
	s, err := NewStage(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// drain collects Frames until closed, failing the test after timeout.
func stDrain(t *testing.T, s *Stage, timeout time.Duration) <-chan []*media.VideoFrame {
	t.Helper()
	out := make(chan []*media.VideoFrame, 1)
	go func() {
		var got []*media.VideoFrame
		deadline := time.After(timeout)
		for {
			select {
			case f, ok := <-s.Frames():
				if !ok {
					out <- got
					return
				}
				got = append(got, f)
			case <-deadline:
				out <- append(got, nil) // nil marks a timeout
				return
			}
		}
	}()
	return out
}

func stWait[T any](t *testing.T, ch <-chan T, d time.Duration, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(d):
		t.Fatalf("timed out after %v waiting for %s", d, what)
	}
	var zero T
	return zero
}

func stCheckSeqs(t *testing.T, got []*media.VideoFrame, n int) {
	t.Helper()
	if len(got) > 0 && got[len(got)-1] == nil {
		t.Fatalf("Frames did not close in time (%d frames)", len(got)-1)
	}
	if len(got) != n {
		t.Fatalf("got %d frames out, pushed %d", len(got), n)
	}
	for i, f := range got {
		if f.Seq != uint64(i) {
			t.Fatalf("frame %d has Seq %d", i, f.Seq)
		}
		if want := time.Duration(i) * time.Second / 30; f.PTS != want {
			t.Fatalf("frame %d PTS %v, want %v", i, f.PTS, want)
		}
		if err := f.Validate(); err != nil {
			t.Fatal(err)
		}
	}
}

func stAbsDiff(a, b byte) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

// ---- tests -----------------------------------------------------------------

// 1,000 chain swaps from another goroutine while frames flow as fast as the
// stage takes them: every Seq comes out once, in order, PTS kept; no frame
// is half filtered by two chains (each output frame is flat).
func TestStageChainSwapsWhileFlowing(t *testing.T) {
	stLeakCheck(t)
	s := stNewStage(t)
	inv, br, noop := &stInvert{}, &stBrighten{by: 40}, &stNoop{}
	chains := [][]Filter{nil, {inv}, {br}, {noop}, {inv, br}, {br, inv, noop}, {noop, noop}, {}}
	const swaps, minFrames, maxFrames = 1000, 300, 20000
	const w, h = 320, 240
	frames := stDrain(t, s, 60*time.Second)

	swapped := make(chan time.Duration, 1)
	started := make(chan struct{})
	go func() {
		rng := rand.New(rand.NewPCG(1, 2))
		<-started
		t0 := time.Now()
		for i := 0; i < swaps; i++ {
			s.SetChain(chains[rng.IntN(len(chains))])
			if i%4 == 0 {
				time.Sleep(100 * time.Microsecond) // spread the swaps over the stream
			}
		}
		swapped <- time.Since(t0)
	}()
	var n int
	var swapTime time.Duration
	t0 := time.Now()
	for done := false; n < maxFrames && !(done && n >= minFrames); n++ {
		if err := s.Push(stFlatFrame(w, h, 60, uint64(n))); err != nil {
			t.Fatalf("push %d: %v", n, err)
		}
		if n == 5 {
			close(started)
		}
		select {
		case swapTime = <-swapped:
			done = true
		default:
		}
	}
	if swapTime == 0 {
		swapTime = stWait(t, swapped, 30*time.Second, "swaps")
	}
	pushTime := time.Since(t0)
	s.SetChain(nil)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	got := stWait(t, frames, 60*time.Second, "frames")
	stCheckSeqs(t, got, n)
	in, out := s.Counts()
	if in != uint64(n) || out != uint64(n) {
		t.Fatalf("counts in %d out %d, pushed %d", in, out, n)
	}
	for _, f := range got {
		first, last := f.Plane[0][0], f.Plane[0][len(f.Plane[0])-1]
		if stAbsDiff(first, last) > 2 {
			t.Fatalf("frame %d not flat: Y %d .. %d (filtered by two chains?)", f.Seq, first, last)
		}
	}
	if s.swaps.Load() < swaps {
		t.Fatalf("only %d swaps", s.swaps.Load())
	}
	t.Logf("%d frames %dx%d in %v (%.0f fps) with %d chain swaps in %v", n, w, h, pushTime.Round(time.Millisecond),
		float64(n)/pushTime.Seconds(), swaps, swapTime.Round(time.Millisecond))
}

// A known flat frame through an inverting filter comes back with Y
// inverted: in limited range, Y' = 16+235-Y (RGB 255-x maps to that).
func TestStageInvertPixels(t *testing.T) {
	stLeakCheck(t)
	for _, sz := range [][2]int{{320, 240}, {318, 242}} { // 318: BGR rows padded (954 → 956 bytes)
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			inv := &stInvert{}
			s := stNewStage(t, WithChain(inv))
			frames := stDrain(t, s, 20*time.Second)
			ys := []byte{40, 60, 128, 200, 230}
			for i, y := range ys {
				if err := s.Push(stFlatFrame(sz[0], sz[1], y, uint64(i))); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			got := stWait(t, frames, 20*time.Second, "frames")
			stCheckSeqs(t, got, len(ys))
			for i, f := range got {
				want := byte(251 - int(ys[i]))
				for _, at := range []int{0, f.Width - 1, f.Width * (f.Height / 2), len(f.Plane[0]) - 1} {
					if d := stAbsDiff(f.Plane[0][at], want); d > 2 {
						t.Fatalf("Y %d: out Y[%d] = %d, want %d ±2", ys[i], at, f.Plane[0][at], want)
					}
				}
				for _, c := range []byte{f.Plane[1][0], f.Plane[2][len(f.Plane[2])-1]} {
					if stAbsDiff(c, 128) > 2 {
						t.Fatalf("chroma %d, want 128 ±2", c)
					}
				}
				t.Logf("Y %3d → %3d (want %3d)", ys[i], f.Plane[0][0], want)
			}
			if c := s.Costs(); len(c) != 1 || c[0].Name != "invert" || c[0].Total != uint64(len(ys)) {
				t.Fatalf("costs %+v", c)
			} else {
				t.Logf("invert cost P50 %v P95 %v", c[0].P50, c[0].P95)
			}
		})
	}
}

// A panicking filter is taken out of the chain, reported once, its ownership
// handed to OnFilterError (not back through SetChain); every frame still
// comes out; the filters that succeeded still applied.
func TestStagePanickingFilterRemoved(t *testing.T) {
	stLeakCheck(t)
	type report struct {
		f   Filter
		err error
	}
	reports := make(chan report, 8)
	p := &stPanic{at: 10}
	inv := &stInvert{}
	s := stNewStage(t, WithChain(p, inv), WithOnFilterError(func(f Filter, err error) { reports <- report{f, err} }))
	frames := stDrain(t, s, 30*time.Second)
	const n = 60
	for i := 0; i < n; i++ {
		if err := s.Push(stFlatFrame(160, 120, 60, uint64(i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	got := stWait(t, frames, 30*time.Second, "frames")
	stCheckSeqs(t, got, n)
	close(reports)
	var rs []report
	for r := range reports {
		rs = append(rs, r)
	}
	if len(rs) != 1 || rs[0].f != Filter(p) || !errors.Is(rs[0].err, ErrFilterPanic) {
		t.Fatalf("reports %+v, want one ErrFilterPanic for the panic filter", rs)
	}
	var ff *FilterFailure
	if !errors.As(rs[0].err, &ff) || ff.Seq != 9 || ff.Panic != "boom" {
		t.Fatalf("failure %+v", ff)
	}
	if c := s.Chain(); len(c) != 1 || c[0] != Filter(inv) {
		t.Fatalf("chain after panic %v, want [invert]", c)
	}
	if s.Failures() != 1 || p.closed.Load() {
		t.Fatalf("failures %d, panic filter closed by stage %v", s.Failures(), p.closed.Load())
	}
	for _, f := range got { // invert ran on every frame, including the one the panic hit
		if stAbsDiff(f.Plane[0][0], 191) > 2 {
			t.Fatalf("frame %d Y %d, want 191 (inverted)", f.Seq, f.Plane[0][0])
		}
	}
	if back := s.SetChain(nil); len(back) != 1 || back[0] != Filter(inv) {
		t.Fatalf("SetChain after Close gave back %v", back)
	}
	t.Logf("panic on frame %d reported once: %v", ff.Seq, rs[0].err)
}

// An erroring filter and a filter that converts the Mat to gray in place
// (breaking the zero-copy view) are removed; without OnFilterError the
// stage closes them; with rollback, the frame shows no trace of them.
func TestStageFailingFiltersRollback(t *testing.T) {
	stLeakCheck(t)
	inv := &stInvert{}
	s := stNewStage(t, WithChain(&stGrayInPlace{}, stErr{}, inv), WithRollback(true))
	frames := stDrain(t, s, 30*time.Second)
	for i := 0; i < 20; i++ {
		if err := s.Push(stFlatFrame(318, 240, 60, uint64(i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	got := stWait(t, frames, 30*time.Second, "frames")
	stCheckSeqs(t, got, 20)
	if s.Failures() != 2 || len(s.Chain()) != 1 {
		t.Fatalf("failures %d chain %v", s.Failures(), s.Chain())
	}
	for _, f := range got {
		if stAbsDiff(f.Plane[0][0], 191) > 2 || stAbsDiff(f.Plane[0][len(f.Plane[0])-1], 191) > 2 {
			t.Fatalf("frame %d Y %d..%d, want 191", f.Seq, f.Plane[0][0], f.Plane[0][len(f.Plane[0])-1])
		}
	}
}

// A size change mid-stream renegotiates: output frames follow the new
// size, in order; with renegotiation off, Push refuses with ErrSizeChange.
func TestStageSizeChange(t *testing.T) {
	stLeakCheck(t)
	t.Run("renegotiate", func(t *testing.T) {
		s := stNewStage(t, WithChain(&stInvert{}))
		frames := stDrain(t, s, 30*time.Second)
		sizes := [][2]int{{320, 240}, {318, 242}, {640, 360}, {161, 121}, {320, 240}}
		const per = 15
		for i := 0; i < len(sizes)*per; i++ {
			sz := sizes[i/per]
			if err := s.Push(stFlatFrame(sz[0], sz[1], 60, uint64(i))); err != nil {
				t.Fatalf("push %d (%dx%d): %v", i, sz[0], sz[1], err)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		got := stWait(t, frames, 30*time.Second, "frames")
		stCheckSeqs(t, got, len(sizes)*per)
		for i, f := range got {
			sz := sizes[i/per]
			if f.Width != sz[0] || f.Height != sz[1] {
				t.Fatalf("frame %d is %dx%d, pushed %dx%d", i, f.Width, f.Height, sz[0], sz[1])
			}
			if stAbsDiff(f.Plane[0][len(f.Plane[0])-1], 191) > 2 {
				t.Fatalf("frame %d (%dx%d) last Y %d, want 191", i, f.Width, f.Height, f.Plane[0][len(f.Plane[0])-1])
			}
		}
	})
	t.Run("refuse", func(t *testing.T) {
		s := stNewStage(t, WithRenegotiate(false))
		frames := stDrain(t, s, 30*time.Second)
		if err := s.Push(stFlatFrame(320, 240, 60, 0)); err != nil {
			t.Fatal(err)
		}
		err := s.Push(stFlatFrame(322, 240, 60, 1))
		var sc *SizeChangeError
		if !errors.Is(err, ErrSizeChange) || !errors.As(err, &sc) || sc.ToW != 322 {
			t.Fatalf("push of a new size: %v, want ErrSizeChange", err)
		}
		if err := s.Push(stFlatFrame(320, 240, 60, 1)); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		stCheckSeqs(t, stWait(t, frames, 30*time.Second, "frames"), 2)
	})
}

func TestStageClose(t *testing.T) {
	stLeakCheck(t)
	t.Run("no frames, twice", func(t *testing.T) {
		s, err := NewStage()
		if err != nil {
			t.Fatal(err)
		}
		t0 := time.Now()
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if _, ok := <-s.Frames(); ok {
			t.Fatal("Frames open after Close")
		}
		if err := s.Push(stFlatFrame(160, 120, 60, 0)); !errors.Is(err, ErrStageClosed) {
			t.Fatalf("push after close: %v", err)
		}
		t.Logf("close without frames: %v", time.Since(t0).Round(time.Microsecond))
	})
	t.Run("while flowing", func(t *testing.T) {
		s, err := NewStage(WithChain(&stInvert{}))
		if err != nil {
			t.Fatal(err)
		}
		frames := stDrain(t, s, 30*time.Second)
		pushed := make(chan int, 1)
		go func() {
			n := 0
			for ; ; n++ {
				if err := s.Push(stFlatFrame(640, 360, 60, uint64(n))); err != nil {
					if !errors.Is(err, ErrStageClosed) {
						t.Errorf("push: %v", err)
					}
					break
				}
			}
			pushed <- n
		}()
		time.Sleep(300 * time.Millisecond)
		t0 := time.Now()
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		d := time.Since(t0)
		n := stWait(t, pushed, 10*time.Second, "pusher")
		stCheckSeqs(t, stWait(t, frames, 10*time.Second, "frames"), n)
		t.Logf("close while flowing after %d frames: %v", n, d.Round(time.Microsecond))
	})
	t.Run("reader gone", func(t *testing.T) {
		s, err := NewStage(WithCloseTimeout(500*time.Millisecond), WithQueueDepth(2))
		if err != nil {
			t.Fatal(err)
		}
		pushed := make(chan struct{})
		go func() { // fills every queue, then blocks in Push
			defer close(pushed)
			for i := 0; ; i++ {
				if s.Push(stFlatFrame(320, 240, 60, uint64(i))) != nil {
					return
				}
			}
		}()
		time.Sleep(300 * time.Millisecond)
		t0 := time.Now()
		err = s.Close()
		d := time.Since(t0)
		if !errors.Is(err, ErrStage) {
			t.Fatalf("close with nobody reading: %v, want an EOS timeout", err)
		}
		if d > 2*time.Second {
			t.Fatalf("close took %v", d)
		}
		stWait(t, pushed, 5*time.Second, "blocked Push to return")
		for range s.Frames() { // closed, possibly with a few frames buffered
		}
		t.Logf("close with a blocked Push and no reader: %v (%v)", d.Round(time.Millisecond), err)
	})
}

// An ERROR on the bus becomes Err() (ErrStage with GStreamer's text),
// closes Frames and makes Push fail.
func TestStageBusError(t *testing.T) {
	stLeakCheck(t)
	s := stNewStage(t)
	frames := stDrain(t, s, 10*time.Second)
	if err := s.Push(stFlatFrame(160, 120, 60, 0)); err != nil {
		t.Fatal(err)
	}
	s.ident.ErrorMessage(gst.DomainCore, gst.CoreErrorFailed, "synthetic failure", "from the test")
	stWait(t, frames, 10*time.Second, "Frames to close")
	err := s.Err()
	var se *StageError
	if !errors.Is(err, ErrStage) || !errors.As(err, &se) || se.Source != "probe" ||
		!strings.Contains(se.Message+se.Debug, "from the test") {
		t.Fatalf("Err() = %v", err)
	}
	if perr := s.Push(stFlatFrame(160, 120, 60, 1)); !errors.Is(perr, ErrStage) {
		t.Fatalf("push after error: %v", perr)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("bus error: %v", err)
}

func TestStageOptionsValidate(t *testing.T) {
	for _, o := range []StageOption{WithQueueDepth(0), WithQueueDepth(65), WithLogger(nil), WithOnFilterError(nil),
		WithCostSink(nil), WithFrameRate(30, 0), WithCloseTimeout(0), nil} {
		if _, err := NewStage(o); !errors.Is(err, ErrStageOption) {
			t.Fatalf("option accepted: %v", err)
		}
	}
	s := stNewStage(t)
	for _, f := range []*media.VideoFrame{nil, media.NewVideoFrame(media.PixelBGR24, 16, 16), {Format: media.PixelI420, Width: 16, Height: 16}} {
		if err := s.Push(f); !errors.Is(err, ErrStageFormat) {
			t.Fatalf("bad frame accepted: %v", err)
		}
	}
}

// SetChain hands back the previous chain's filters; concurrent swaps from
// several goroutines give every installed chain back exactly once.
func TestChainSetChainHandsBackOnce(t *testing.T) {
	s := stNewStage(t)
	var mu sync.Mutex
	back := map[Filter]int{}
	var wg sync.WaitGroup
	made := 0
	fs := make([][]Filter, 8)
	for g := range fs {
		for i := 0; i < 50; i++ {
			fs[g] = append(fs[g], &stBrighten{by: uint8(i)})
			made++
		}
	}
	for g := range fs {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for _, f := range fs[g] {
				for _, b := range s.SetChain([]Filter{f}) {
					mu.Lock()
					back[b]++
					mu.Unlock()
				}
			}
		}(g)
	}
	wg.Wait()
	for _, b := range s.SetChain(nil) {
		back[b]++
	}
	if len(back) != made {
		t.Fatalf("%d filters handed back, %d installed", len(back), made)
	}
	for f, n := range back {
		if n != 1 {
			t.Fatalf("%s handed back %d times", f.Spec(), n)
		}
	}
}
