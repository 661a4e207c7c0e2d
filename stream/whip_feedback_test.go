package stream_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"

	"github.com/onair-dev/onair/capture/testpattern"
	"github.com/onair-dev/onair/encode"
	"github.com/onair-dev/onair/pipeline"
	"github.com/onair-dev/onair/stream"
)

// frameLog groups received H.264 RTP into frames by timestamp.
type frameLog struct {
	mu     sync.Mutex
	frames []frameSeen
}

type frameSeen struct {
	ts  uint32
	idr bool
	at  time.Time
}

func (l *frameLog) add(p *rtp.Packet, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := len(l.frames); n == 0 || l.frames[n-1].ts != p.Timestamp {
		l.frames = append(l.frames, frameSeen{ts: p.Timestamp, at: at})
	}
	if isIDR(p.Payload) {
		l.frames[len(l.frames)-1].idr = true
	}
}

func (l *frameLog) len() int { l.mu.Lock(); defer l.mu.Unlock(); return len(l.frames) }

// firstIDR is the index of the first IDR frame at or after from, or -1.
func (l *frameLog) firstIDR(from int) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := from; i < len(l.frames); i++ {
		if l.frames[i].idr {
			return i
		}
	}
	return -1
}

func (l *frameLog) idrs(from int) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for i := from; i < len(l.frames); i++ {
		if l.frames[i].idr {
			n++
		}
	}
	return n
}

// publishing runs a real-time Session (test pattern 320x240 30 fps, H.264
// keyframes every 10 s) into a WHIP sink whose far end is an answerer
// logging video frames. It returns once video flows, after the start-up
// keyframes, and stops everything on cleanup.
func publishing(t *testing.T) (*stream.WHIP, *answerer, *frameLog) {
	t.Helper()
	log := &frameLog{}
	a := newAnswerer(t, func(a *answerer) { a.onRTP = log.add })
	w, err := stream.NewWHIP(a.url(), stream.WHIPOptions{Timeout: 3 * time.Second, ICETimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	src, err := testpattern.New(testpattern.WithSize(320, 240))
	if err != nil {
		t.Fatal(err)
	}
	v := encode.DefaultVideo()
	v.Width, v.Height, v.Bitrate, v.KeyframeInterval = 320, 240, 500_000, 10*time.Second
	s, err := pipeline.New(pipeline.Config{Source: src, Video: v, Audio: encode.DefaultAudio(), Sinks: []stream.Sink{w}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stopped := make(chan struct{})
		go func() { s.Stop(); close(stopped) }()
		select {
		case <-stopped:
		case <-time.After(15 * time.Second):
			t.Error("Session.Stop did not return within 15 s")
		}
		src.Close()
	})
	// 1.5 s of video: the first frame's and the on-connect keyframes are past.
	if !waitFor(10*time.Second, func() bool { return log.len() >= 45 }) {
		t.Fatalf("only %d video frames arrived", log.len())
	}
	if tr, _ := a.videoTrack(); tr == nil {
		t.Fatal("no video track at the answerer")
	}
	return w, a, log
}

// TestWHIPPLIKeyframeWithinTwoFrames: each PLI from the receiver makes
// the next frame or the one after an IDR.
func TestWHIPPLIKeyframeWithinTwoFrames(t *testing.T) {
	w, a, log := publishing(t)
	tr, pc := a.videoTrack()
	ssrc := uint32(tr.SSRC())
	base := log.len()
	if n := log.idrs(base - 15); n != 0 {
		t.Fatalf("%d IDRs in the last 15 frames before any PLI (natural keyframes every 10 s)", n)
	}
	const plis = 3
	for i := 0; i < plis; i++ {
		n0 := log.len()
		sent := time.Now()
		if err := pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: ssrc}}); err != nil {
			t.Fatal(err)
		}
		var k int
		if !waitFor(2*time.Second, func() bool { k = log.firstIDR(n0); return k >= 0 }) {
			t.Fatalf("PLI %d: no IDR within 2 s (%d frames since)", i, log.len()-n0)
		}
		log.mu.Lock()
		at := log.frames[k].at
		log.mu.Unlock()
		t.Logf("PLI %d: IDR is new frame %d, %v after the PLI", i, k-n0+1, at.Sub(sent).Round(time.Millisecond))
		if k-n0+1 > 2 {
			t.Errorf("PLI %d: the IDR came %d frames after the PLI, want within 2", i, k-n0+1)
		}
		time.Sleep(700 * time.Millisecond)
	}
	if !waitFor(2*time.Second, func() bool { return w.Stats().PLI.Load() == plis }) {
		t.Errorf("Stats().PLI = %d, want %d", w.Stats().PLI.Load(), plis)
	}
	if got := w.Stats().KeyframesAsked.Load(); got != plis {
		t.Errorf("Stats().KeyframesAsked = %d, want %d", got, plis)
	}
	if n := log.idrs(base); n != plis {
		t.Errorf("%d IDRs since the first PLI, want %d", n, plis)
	}
}

// TestWHIPFIRBurstOneKeyframe: 10 FIRs within one second are honoured once.
func TestWHIPFIRBurstOneKeyframe(t *testing.T) {
	w, a, log := publishing(t)
	tr, pc := a.videoTrack()
	ssrc := uint32(tr.SSRC())
	n0 := log.len()
	start := time.Now()
	for i := 0; i < 10; i++ {
		fir := &rtcp.FullIntraRequest{MediaSSRC: ssrc, FIR: []rtcp.FIREntry{{SSRC: ssrc, SequenceNumber: uint8(i)}}}
		if err := pc.WriteRTCP([]rtcp.Packet{fir}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(90 * time.Millisecond)
	}
	burst := time.Since(start)
	if burst >= time.Second {
		t.Logf("the burst took %v", burst)
	}
	time.Sleep(1200 * time.Millisecond)
	if !waitFor(2*time.Second, func() bool { return w.Stats().FIR.Load() == 10 }) {
		t.Errorf("Stats().FIR = %d, want 10", w.Stats().FIR.Load())
	}
	if n := log.idrs(n0); n != 1 {
		t.Errorf("%d IDRs after 10 FIRs in %v (+1.2 s), want exactly 1", n, burst.Round(time.Millisecond))
	}
	if got := w.Stats().KeyframesAsked.Load(); got != 1 {
		t.Errorf("Stats().KeyframesAsked = %d, want 1", got)
	}
	if got := w.Stats().PLI.Load(); got != 0 {
		t.Errorf("Stats().PLI = %d, want 0", got)
	}
}
