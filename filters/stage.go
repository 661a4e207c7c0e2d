package filters

import (
	"errors"
	"fmt"
	"image"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/go-gst/go-glib/glib"
	"github.com/go-gst/go-gst/gst"
	"github.com/go-gst/go-gst/gst/app"

	"github.com/onair-dev/onair/media"
	"github.com/onair-dev/onair/telemetry/filtercost"
)

// Stage runs the filter chain on a stream of I420 frames inside a GStreamer
// pipeline driven by onair:
//
//	appsrc name=src format=time is-live=… block=true max-buffers=N max-bytes=N·frame
//	  ! videoconvert ! video/x-raw,format=BGR ! identity name=probe
//	  ! videoconvert ! video/x-raw,format=I420
//	  ! appsink name=sink sync=false max-buffers=N drop=false
//
// A BUFFER pad probe on identity's sink pad maps each BGR buffer writable,
// wraps it as a gocv Mat without copying and runs the chain loaded once per
// buffer from an atomic pointer. Frames go in with Push and come out, in
// order, with PTS and Seq kept, on Frames.
//
// Ownership of go-gst objects: go-gst v1.4.0 gives every wrapper it returns
// one reference and a finalizer that drops it. The stage does not leave
// them to the GC: buffers, samples, caps and bus messages are released
// explicitly right after use, the pipeline, elements, pad and bus in Close
// (release clears the finalizer first, so each reference is dropped once).
type Stage struct {
	opts  stageOptions
	costs *filtercost.Recorder

	pipeline *gst.Pipeline
	src      *app.Source
	sink     *app.Sink
	ident    *gst.Element
	pad      *gst.Pad
	bus      *gst.Bus
	probeID  uint64

	chain      atomic.Pointer[filterChain]
	probeEpoch atomic.Uint64 // odd while the probe runs a buffer
	geom       atomic.Pointer[bgrGeom]
	swaps      atomic.Uint64
	failures   atomic.Uint64
	scratch    []byte // rollback copy; probe (streaming thread) only

	pushMu   sync.Mutex // serialises Push and Close's final release
	capsW    int        // negotiated input size; pushMu
	capsH    int
	pool     unsafe.Pointer // GstBufferPool for capsW×capsH; pushMu
	released bool           // objects unreffed; pushMu

	closing atomic.Bool
	frames  chan *media.VideoFrame
	abort   chan struct{} // closed: drop instead of deliver
	abortMu sync.Once
	eos     chan struct{} // closed by the bus goroutine on EOS
	eosOnce sync.Once
	failed  chan struct{} // closed on the first stage error
	errMu   sync.Mutex
	err     error

	stateMu sync.Mutex // serialises pipeline state changes
	stopped bool       // set to NULL; stateMu

	stopBus   chan struct{}
	pullDone  chan struct{}
	wg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

type bgrGeom struct{ w, h, stride int }

var gstInitOnce sync.Once

func initGStreamer() { gstInitOnce.Do(func() { gst.Init(nil) }) }

// The probe reads go-gst's PadProbeInfo as the one pointer it is in v1.4.0.
var _ = [1]struct{}{}[unsafe.Sizeof(gst.PadProbeInfo{})-unsafe.Sizeof(uintptr(0))]

// NewStage builds the pipeline, sets it PLAYING and starts the goroutines
// that pull output frames and watch the bus. Caps come from the first
// frame pushed.
func NewStage(opts ...StageOption) (*Stage, error) {
	o := defaultStageOptions()
	for _, opt := range opts {
		if opt == nil {
			return nil, optErr("nil option")
		}
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	if o.costs == nil {
		o.costs = filtercost.New(0)
	}
	initGStreamer()
	s := &Stage{
		opts: o, costs: o.costs,
		frames: make(chan *media.VideoFrame, o.depth),
		abort:  make(chan struct{}), eos: make(chan struct{}), failed: make(chan struct{}),
		stopBus: make(chan struct{}), pullDone: make(chan struct{}),
	}
	s.chain.Store(newFilterChain(o.chain))
	if err := s.build(); err != nil {
		s.releaseObjects()
		return nil, err
	}
	if err := s.setState(gst.StatePlaying); err != nil {
		s.stop()
		s.releaseObjects()
		return nil, err
	}
	s.wg.Add(2)
	go s.watchBus()
	go s.pull()
	return s, nil
}

func (s *Stage) build() error {
	// max-bytes before the first caps: depth 1080p frames; Push sets it to
	// depth frames of the negotiated size.
	desc := fmt.Sprintf("appsrc name=src format=time is-live=%t block=true emit-signals=false max-buffers=%d max-bytes=%d"+
		" ! videoconvert ! video/x-raw,format=BGR ! identity name=probe silent=true"+
		" ! videoconvert ! video/x-raw,format=I420"+
		" ! appsink name=sink sync=false max-buffers=%d drop=false emit-signals=false enable-last-sample=false",
		s.opts.live, s.opts.depth, uint64(s.opts.depth)*uint64(i420Size(1920, 1080)), s.opts.depth)
	p, err := gst.NewPipelineFromString(desc)
	if err != nil {
		return &StageError{Op: "build", Message: err.Error()}
	}
	s.pipeline = p
	s.bus = p.GetPipelineBus()
	if s.bus == nil {
		return &StageError{Op: "build", Message: "pipeline has no bus"}
	}
	src, err := p.GetElementByName("src")
	if err != nil {
		return &StageError{Op: "build", Message: err.Error()}
	}
	s.src = app.SrcFromElement(src)
	sink, err := p.GetElementByName("sink")
	if err != nil {
		return &StageError{Op: "build", Message: err.Error()}
	}
	s.sink = app.SinkFromElement(sink)
	if s.src == nil || s.sink == nil {
		return &StageError{Op: "build", Message: "src/sink are not appsrc/appsink"}
	}
	if s.ident, err = p.GetElementByName("probe"); err != nil {
		return &StageError{Op: "build", Message: err.Error()}
	}
	if s.pad = s.ident.GetStaticPad("sink"); s.pad == nil {
		return &StageError{Op: "build", Message: "identity has no sink pad"}
	}
	s.probeID = s.pad.AddProbe(gst.PadProbeTypeBuffer|gst.PadProbeTypeEventDownstream, s.probe)
	if s.probeID == 0 {
		return &StageError{Op: "build", Message: "could not add the pad probe"}
	}
	return nil
}

// setState changes the pipeline state, checking the result: FAILURE is an
// error. ASYNC (a non-live pipeline prerolls on its first buffer) and
// NO_PREROLL (live) are fine; a later asynchronous failure comes as an
// ERROR on the bus.
func (s *Stage) setState(st gst.State) error {
	s.stateMu.Lock()
	defer s.stateMu.Unlock()
	if s.stopped {
		return ErrStageClosed
	}
	if err := s.pipeline.SetState(st); err != nil {
		return &StageError{Op: "set state " + st.String(), Message: err.Error(), Err: err}
	}
	return nil
}

// stop sets the pipeline to NULL once: unblocks appsrc pushes (FLUSHING) and
// appsink pulls (nil), stops the streaming threads.
func (s *Stage) stop() error {
	s.stateMu.Lock()
	defer s.stateMu.Unlock()
	if s.stopped || s.pipeline == nil {
		return nil
	}
	s.stopped = true
	if err := s.pipeline.SetState(gst.StateNull); err != nil {
		return &StageError{Op: "set state NULL", Message: err.Error(), Err: err}
	}
	return nil
}

// Frames delivers the filtered frames, in the order pushed, I420 tightly
// packed, PTS and Seq as given to Push. It is closed after EOS (Close), or
// after a stage error (see Err). The channel holds the queue depth; the
// stage blocks (back-pressure up to Push) while it is full.
func (s *Stage) Frames() <-chan *media.VideoFrame { return s.frames }

// Err is the first stage error (a *StageError matching ErrStage), or nil.
func (s *Stage) Err() error {
	s.errMu.Lock()
	defer s.errMu.Unlock()
	return s.err
}

// Costs returns the per-filter cost windows (keyed by Spec()).
func (s *Stage) Costs() []filtercost.Snapshot { return s.costs.Snapshot() }

// Counts returns frames accepted by Push and frames delivered on Frames.
func (s *Stage) Counts() (in, out uint64) { return s.costs.Counts() }

// Failures counts filters taken out of the chain since NewStage.
func (s *Stage) Failures() uint64 { return s.failures.Load() }

// fail records the first stage error and stops the pipeline so Push and the
// puller return and Frames closes. Safe from any goroutine but the
// streaming thread.
func (s *Stage) fail(err error) {
	s.errMu.Lock()
	first := s.err == nil
	if first {
		s.err = err
	}
	s.errMu.Unlock()
	if !first {
		return
	}
	close(s.failed)
	s.opts.log.Error("filters: stage failed", "err", err)
	s.dropInFlight()
	if serr := s.stop(); serr != nil {
		s.opts.log.Error("filters: stage: stopping after error", "err", serr)
	}
}

func (s *Stage) dropInFlight() { s.abortMu.Do(func() { close(s.abort) }) }

func (s *Stage) logf(format string, a ...any) { s.opts.log.Warn(fmt.Sprintf(format, a...)) }

// Push copies f (I420; strides respected) into a new GStreamer buffer with
// PTS = f.PTS and OFFSET = f.Seq and queues it. It blocks while the stage's
// bounded queues are full. A new frame size renegotiates (new caps on
// appsrc, in stream order) or, with WithRenegotiate(false), is refused
// with a *SizeChangeError. Errors: ErrStageFormat, ErrSizeChange,
// ErrStageClosed, or the stage's error (ErrStage). Push is safe for
// concurrent use but frames keep order only from one goroutine.
func (s *Stage) Push(f *media.VideoFrame) error {
	if f == nil || f.Format != media.PixelI420 {
		return fmt.Errorf("filters: stage: push: frame is not I420: %w", ErrStageFormat)
	}
	if err := f.Validate(); err != nil {
		return fmt.Errorf("filters: stage: push: %w: %w", ErrStageFormat, err)
	}
	s.pushMu.Lock()
	defer s.pushMu.Unlock()
	if s.released || s.closing.Load() {
		return ErrStageClosed
	}
	if err := s.Err(); err != nil {
		return err
	}
	if f.Width != s.capsW || f.Height != s.capsH {
		if s.capsW != 0 && !s.opts.renegotiate {
			return &SizeChangeError{FromW: s.capsW, FromH: s.capsH, ToW: f.Width, ToH: f.Height, Seq: f.Seq}
		}
		if err := s.setCaps(f.Width, f.Height); err != nil {
			return err
		}
	}
	size := i420Size(f.Width, f.Height)
	bp := poolAcquire(s.pool) // a fresh writable buffer we fill (never wrapping Go memory)
	if bp == nil {
		return &StageError{Op: "push", Message: fmt.Sprintf("cannot allocate a %d-byte buffer", size)}
	}
	buf := gst.ToGstBuffer(bp) // our one reference, no finalizer
	defer buf.Unref()          // PushBuffer takes a reference of its own
	mi := buf.Map(gst.MapWrite)
	if mi == nil || mi.Data() == nil || mi.Size() < int64(size) {
		buf.Unmap()
		return &StageError{Op: "push", Message: "cannot map the new buffer for writing"}
	}
	dst := unsafe.Slice((*byte)(mi.Data()), size)
	stride, offset := i420Layout(f.Width, f.Height)
	for p := 0; p < 3; p++ {
		rowBytes, rows := f.PlaneSize(p)
		for y := 0; y < rows; y++ {
			copy(dst[offset[p]+y*stride[p]:offset[p]+y*stride[p]+rowBytes], f.Plane[p][y*f.Stride[p]:y*f.Stride[p]+rowBytes])
		}
	}
	buf.Unmap()
	buf.SetPresentationTimestamp(gst.ClockTime(max(f.PTS, 0)))
	bufferSetOffset(unsafe.Pointer(buf.Instance()), f.Seq)
	switch ret := s.src.PushBuffer(buf); ret {
	case gst.FlowOK:
		s.costs.FrameIn()
		return nil
	case gst.FlowFlushing, gst.FlowEOS:
		if err := s.Err(); err != nil {
			return err
		}
		return ErrStageClosed
	default:
		return &StageError{Op: "push", Message: "appsrc: " + ret.String()}
	}
}

// setCaps (pushMu held) gives appsrc caps for w×h; appsrc queues them in
// stream order, so frames already queued keep their old size.
func (s *Stage) setCaps(w, h int) error {
	desc := fmt.Sprintf("video/x-raw,format=I420,width=%d,height=%d,framerate=%d/%d,pixel-aspect-ratio=1/1",
		w, h, s.opts.fpsN, s.opts.fpsD)
	caps := gst.NewCapsFromString(desc)
	if caps == nil {
		return &StageError{Op: "caps", Message: "cannot parse " + desc}
	}
	pool := poolNew(i420Size(w, h))
	if pool == nil {
		releaseCaps(caps)
		return &StageError{Op: "caps", Message: fmt.Sprintf("cannot make a buffer pool for %dx%d", w, h)}
	}
	if s.pool != nil {
		poolFree(s.pool)
	}
	s.pool = pool
	s.src.SetCaps(caps) // appsrc takes its own reference
	releaseCaps(caps)
	s.src.SetMaxBytes(uint64(s.opts.depth) * uint64(i420Size(w, h)))
	s.capsW, s.capsH = w, h
	return nil
}

// probe runs on the streaming thread for every buffer and downstream event
// reaching identity's sink pad.
func (s *Stage) probe(_ *gst.Pad, info *gst.PadProbeInfo) gst.PadProbeReturn {
	if info.Type()&gst.PadProbeTypeBuffer == 0 {
		if ev := info.GetEvent(); ev != nil {
			if w, h, ok := eventCapsSize(unsafe.Pointer(ev.Instance())); ok {
				s.geom.Store(&bgrGeom{w: w, h: h, stride: roundUp(w*3, 4)})
			}
		}
		return gst.PadProbeOK
	}
	s.probeEpoch.Add(1) // odd: a run is under way
	defer s.probeEpoch.Add(1)
	c := s.chain.Load() // once per buffer
	if len(c.filters) == 0 {
		return gst.PadProbeOK
	}
	g := s.geom.Load()
	if g == nil {
		return gst.PadProbeOK
	}
	ptr := probeWritableBuffer(*(*unsafe.Pointer)(unsafe.Pointer(info)))
	if ptr == nil {
		return gst.PadProbeOK
	}
	buf := gst.ToGstBuffer(ptr) // borrowed from the probe info: no ref, no finalizer
	mi := buf.Map(gst.MapRead | gst.MapWrite)
	if mi == nil || mi.Data() == nil {
		buf.Unmap()
		s.logf("filters: stage: cannot map buffer %d for writing; passing it unfiltered", bufferOffset(ptr))
		return gst.PadProbeOK
	}
	defer buf.Unmap()
	if mi.Size() < int64(g.stride*g.h) {
		s.logf("filters: stage: BGR buffer %d bytes < %d×%d; passing it unfiltered", mi.Size(), g.stride, g.h)
		return gst.PadProbeOK
	}
	m := &frameMat{data: unsafe.Slice((*byte)(mi.Data()), mi.Size()), w: g.w, h: g.h, stride: g.stride}
	if s.opts.rollback {
		m.scratch = &s.scratch
	}
	if err := m.wrap(); err != nil {
		s.logf("filters: stage: cannot wrap buffer as a Mat: %v", err)
		return gst.PadProbeOK
	}
	s.runChain(c, m, bufferOffset(ptr))
	m.close()
	return gst.PadProbeOK
}

// pull moves samples from appsink to Frames until EOS or NULL state.
func (s *Stage) pull() {
	defer s.wg.Done()
	defer close(s.pullDone)
	defer close(s.frames)
	for {
		smp := s.sink.PullSample()
		if smp == nil {
			return
		}
		f, err := sampleToFrame(smp)
		releaseSample(smp)
		if err != nil {
			s.fail(err) // sets NULL: the next PullSample returns nil
			continue
		}
		select {
		case s.frames <- f:
			s.costs.FrameOut()
		case <-s.abort:
		}
	}
}

func sampleToFrame(smp *gst.Sample) (*media.VideoFrame, error) {
	sp := unsafe.Pointer(smp.Instance())
	w, h, ok := sampleSize(sp)
	if !ok {
		return nil, &StageError{Op: "pull", Message: "sample without width/height caps"}
	}
	bp := sampleBuffer(sp)
	if bp == nil {
		return nil, &StageError{Op: "pull", Message: "sample without buffer"}
	}
	buf := gst.ToGstBuffer(bp) // borrowed from the sample
	size := i420Size(w, h)
	mi := buf.Map(gst.MapRead)
	defer buf.Unmap()
	if mi == nil || mi.Data() == nil || mi.Size() < int64(size) {
		return nil, &StageError{Op: "pull", Message: fmt.Sprintf("output buffer smaller than %dx%d I420", w, h)}
	}
	src := unsafe.Slice((*byte)(mi.Data()), size)
	f := media.NewVideoFrame(media.PixelI420, w, h)
	stride, offset := i420Layout(w, h)
	for p := 0; p < 3; p++ {
		rowBytes, rows := f.PlaneSize(p)
		for y := 0; y < rows; y++ {
			copy(f.Plane[p][y*f.Stride[p]:y*f.Stride[p]+rowBytes], src[offset[p]+y*stride[p]:offset[p]+y*stride[p]+rowBytes])
		}
	}
	if pts := buf.PresentationTimestamp(); pts != gst.ClockTimeNone {
		f.PTS = time.Duration(pts)
	}
	f.Seq = bufferOffset(bp)
	return f, nil
}

// watchBus turns ERROR messages into the stage error, notes EOS, logs warnings.
func (s *Stage) watchBus() {
	defer s.wg.Done()
	for {
		select {
		case <-s.stopBus:
			return
		default:
		}
		msg := s.bus.TimedPopFiltered(gst.ClockTime(50*time.Millisecond), gst.MessageError|gst.MessageEOS|gst.MessageWarning)
		if msg == nil {
			continue
		}
		switch msg.Type() {
		case gst.MessageEOS:
			s.eosOnce.Do(func() { close(s.eos) })
		case gst.MessageError:
			se := &StageError{Op: "bus", Source: msg.Source()}
			if gerr := msg.ParseError(); gerr != nil {
				// copy the strings: GError keeps a structure owned by the message
				se.Message, se.Debug = gerr.Error(), gerr.DebugString()
				se.Err = errors.New(gerr.Error())
			}
			releaseMessage(msg)
			s.fail(se)
			continue
		case gst.MessageWarning:
			if gerr := msg.ParseWarning(); gerr != nil {
				s.opts.log.Warn("filters: stage: GStreamer warning", "source", msg.Source(), "msg", gerr.Error(), "debug", gerr.DebugString())
			}
		}
		releaseMessage(msg)
	}
}

// Close ends the stream: appsrc EOS, waits (up to the close timeout) until
// every frame pushed came out on Frames and EOS reached the bus, then sets
// the pipeline to NULL, stops its goroutines and releases every GStreamer
// object. Frames is closed when it returns. If the reader of Frames stops
// reading, Close drops what is still in flight once the timeout passes.
// Close is idempotent and safe concurrently with Push (which then returns
// ErrStageClosed). It returns an error (ErrStage) only for a failed
// shutdown; an earlier stage error stays in Err. It does not close the
// chain's filters: SetChain(nil) after Close hands them back.
func (s *Stage) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.close() })
	return s.closeErr
}

func (s *Stage) close() error {
	s.closing.Store(true)
	var errs []error
	deadline := time.NewTimer(s.opts.closeTimeout)
	defer deadline.Stop()
	if s.Err() == nil {
		if ret := s.src.EndStream(); ret != gst.FlowOK {
			errs = append(errs, &StageError{Op: "eos", Message: "appsrc end-of-stream: " + ret.String()})
		} else {
			// all frames out, then EOS on the bus
			for _, ch := range []chan struct{}{s.pullDone, s.eos} {
				select {
				case <-ch:
					continue
				case <-s.failed:
				case <-deadline.C:
					errs = append(errs, &StageError{Op: "eos", Message: fmt.Sprintf("no EOS within %v; dropping frames in flight", s.opts.closeTimeout)})
				}
				break
			}
		}
	}
	s.dropInFlight()
	if err := s.stop(); err != nil {
		errs = append(errs, err)
	}
	<-s.pullDone
	close(s.stopBus)
	s.wg.Wait()

	s.pushMu.Lock() // an interrupted Push has returned
	s.releaseObjects()
	s.pushMu.Unlock()
	return errors.Join(errs...)
}

// releaseObjects drops the stage's references once (pushMu held or no
// other goroutine running). The pipeline owns the elements; our references
// are the extra ones gst_bin_get_by_name / get_static_pad / get_bus gave.
func (s *Stage) releaseObjects() {
	if s.released {
		return
	}
	s.released = true
	if s.pool != nil {
		poolFree(s.pool)
		s.pool = nil
	}
	if s.pad != nil {
		if s.probeID != 0 {
			s.pad.RemoveProbe(s.probeID)
		}
		releaseObject(s.pad.InitiallyUnowned.Object)
	}
	if s.ident != nil {
		releaseObject(s.ident.InitiallyUnowned.Object)
	}
	if s.src != nil {
		releaseObject(s.src.InitiallyUnowned.Object)
	}
	if s.sink != nil {
		releaseObject(s.sink.InitiallyUnowned.Object)
	}
	if s.bus != nil {
		releaseObject(s.bus.InitiallyUnowned.Object)
	}
	if s.pipeline != nil {
		releaseObject(s.pipeline.InitiallyUnowned.Object)
	}
	s.pad, s.ident, s.src, s.sink, s.bus, s.pipeline = nil, nil, nil, nil, nil, nil
}

func releaseObject(o *glib.Object) {
	if o == nil {
		return
	}
	runtime.SetFinalizer(o, nil)
	o.Unref()
}

func releaseSample(s *gst.Sample) { runtime.SetFinalizer(s, nil); s.Unref() }

func releaseCaps(c *gst.Caps) { runtime.SetFinalizer(c, nil); c.Unref() }

func releaseMessage(m *gst.Message) { runtime.SetFinalizer(m, nil); m.Unref() }

func roundUp(n, to int) int { return (n + to - 1) / to * to }

// i420Layout is GStreamer's default I420 layout (gst_video_info_set_format):
// rows rounded up to 4 bytes, chroma of the height rounded up to 2.
func i420Layout(w, h int) (stride, offset [3]int) {
	stride[0] = roundUp(w, 4)
	stride[1] = roundUp(roundUp(w, 2)/2, 4)
	stride[2] = stride[1]
	offset[1] = stride[0] * roundUp(h, 2)
	offset[2] = offset[1] + stride[1]*(roundUp(h, 2)/2)
	return stride, offset
}

func i420Size(w, h int) int {
	stride, offset := i420Layout(w, h)
	return offset[2] + stride[2]*(roundUp(h, 2)/2)
}

func imageRect(w, h int) image.Rectangle { return image.Rect(0, 0, w, h) }
