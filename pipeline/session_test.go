package pipeline

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/onair-dev/onair/capture/testpattern"
	"github.com/onair-dev/onair/encode"
	"github.com/onair-dev/onair/internal/testenv"
	"github.com/onair-dev/onair/stream"
)

func TestMain(m *testing.M) {
	// Every test must leave no goroutine behind: a Session owns all it starts.
	goleak.VerifyTestMain(m)
}

func smallConfig(t *testing.T, opts ...testpattern.Option) Config {
	t.Helper()
	src, err := testpattern.New(append([]testpattern.Option{testpattern.WithSize(320, 240)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	v := encode.DefaultVideo()
	v.Width, v.Height, v.Bitrate = 320, 240, 500_000
	return Config{Source: src, Video: v, Audio: encode.DefaultAudio()}
}

func recording(t *testing.T, name string) stream.Sink {
	t.Helper()
	sk, err := stream.NewRecording(filepath.Join(t.TempDir(), name))
	if err != nil {
		t.Fatal(err)
	}
	return sk
}

func recordedPath(sk stream.Sink) string { return sk.Name()[len("record "):] }

func TestSessionRecordsEveryFrameAndStops(t *testing.T) {
	cfg := smallConfig(t, testpattern.WithRealTime(false), testpattern.WithLimit(60))
	rec := recording(t, "a.mkv")
	cfg.Sinks = []stream.Sink{rec}
	var mu sync.Mutex
	var states []string
	cfg.OnEvent = func(e Event) { mu.Lock(); states = append(states, e.Output+":"+e.State); mu.Unlock() }
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); !errors.Is(err, ErrAlreadyStarted) {
		t.Fatalf("second Start: %v", err)
	}
	waitDone(t, s, 30*time.Second)
	if err := s.Wait(); err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	if st.Captured != 60 || st.Encoded != 60 || st.Dropped != 0 {
		t.Fatalf("stats %+v", st)
	}
	if o := st.Outputs[0]; o.SentVideo != 60 || o.State != OutputClosed || o.SentAudio == 0 {
		t.Fatalf("output stats %+v", o)
	}
	v := testenv.Find(t, testenv.Probe(t, recordedPath(rec)), "video")
	if v.Frames() != 60 || v.Width != 320 {
		t.Fatalf("recorded %+v", v)
	}
	mu.Lock()
	defer mu.Unlock()
	if states[len(states)-1] != ":stopped" {
		t.Fatalf("last event %q of %v", states[len(states)-1], states)
	}
	if err := s.Stop(); err != nil { // after the end: a no-op
		t.Fatal(err)
	}
}

func TestStopMidStreamKeepsTheRecording(t *testing.T) {
	cfg := smallConfig(t) // real time, unlimited
	rec := recording(t, "b.mkv")
	cfg.Sinks = []stream.Sink{rec}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Stop once frames are flowing, on an event, not after a guessed delay.
	deadline := time.Now().Add(20 * time.Second)
	for s.Stats().Outputs[0].SentVideo < 30 {
		if time.Now().After(deadline) {
			t.Fatalf("recording got %d frames in 20 s", s.Stats().Outputs[0].SentVideo)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	n := s.Stats().Outputs[0].SentVideo
	if n < 20 {
		t.Fatalf("only %d frames in 1.5 s", n)
	}
	v := testenv.Find(t, testenv.Probe(t, recordedPath(rec)), "video")
	if uint64(v.Frames()) != n {
		t.Fatalf("file has %d frames, session sent %d", v.Frames(), n)
	}
}

func TestCancelledContextStopsTheSession(t *testing.T) {
	cfg := smallConfig(t)
	cfg.Sinks = []stream.Sink{recording(t, "c.mkv")}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(300*time.Millisecond, cancel)
	waitDone(t, s, 10*time.Second)
}

func TestFailingOutputDoesNotStopTheRecording(t *testing.T) {
	cfg := smallConfig(t, testpattern.WithRealTime(false), testpattern.WithLimit(90))
	rtmp, err := stream.NewRTMP("rtmp://"+testenv.ClosedAddr(t)+"/live/key", 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	rec := recording(t, "d.mkv")
	cfg.Sinks = []stream.Sink{rtmp, rec}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitDone(t, s, 30*time.Second)
	if err := s.Wait(); err != nil {
		t.Fatalf("one output alive: want no session error, got %v", err)
	}
	st := s.Stats()
	if st.Outputs[0].State != OutputFailed || !errors.Is(st.Outputs[0].Err, stream.ErrConnect) {
		t.Fatalf("rtmp output %+v", st.Outputs[0])
	}
	if st.Outputs[1].SentVideo != 90 {
		t.Fatalf("recording got %d frames", st.Outputs[1].SentVideo)
	}
}

func TestAllOutputsFailingEndsTheSession(t *testing.T) {
	cfg := smallConfig(t, testpattern.WithRealTime(false)) // unlimited
	rtmp, err := stream.NewRTMP("rtmp://"+testenv.ClosedAddr(t)+"/live/key", 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Sinks = []stream.Sink{rtmp}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitDone(t, s, 30*time.Second)
	err = s.Wait()
	if !errors.Is(err, ErrAllOutputsFailed) || !errors.Is(err, stream.ErrConnect) {
		t.Fatalf("got %v", err)
	}
}

func TestStopAbortsAnOutputStuckOnASilentServer(t *testing.T) {
	silent := testenv.SilentServer(t)
	cfg := smallConfig(t)
	cfg.StopGrace = 300 * time.Millisecond
	rtmp, err := stream.NewRTMP("rtmp://"+silent+"/live/key", 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Sinks = []stream.Sink{rtmp, recording(t, "e.mkv")}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	stopped := make(chan struct{})
	go func() { s.Stop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("Stop did not abort the output stuck connecting (30 s timeout)")
	}
	if st := s.Stats(); st.Outputs[1].State != OutputClosed || st.Outputs[1].SentVideo == 0 {
		t.Fatalf("recording %+v", st.Outputs[1])
	}
}

func TestBadConfigIsRefusedBeforeAnythingOpens(t *testing.T) {
	cfg := smallConfig(t)
	if _, err := New(Config{Sinks: []stream.Sink{recording(t, "f.mkv")}}); !errors.Is(err, ErrNoSource) {
		t.Fatalf("no source: %v", err)
	}
	if _, err := New(Config{Source: cfg.Source}); !errors.Is(err, ErrNoOutputs) {
		t.Fatalf("no outputs: %v", err)
	}
	cfg.Sinks = []stream.Sink{recording(t, "g.mkv")}
	cfg.Video.FPS = 0
	if _, err := New(cfg); !errors.Is(err, encode.ErrBadConfig) {
		t.Fatalf("fps 0: %v", err)
	}
	cfg.Video.FPS = 30
	cfg.Video.Encoder = "no-such-encoder"
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); !errors.Is(err, encode.ErrUnknownEncoder) {
		t.Fatalf("unknown encoder: %v", err)
	}
	if err := s.Stop(); !errors.Is(err, encode.ErrUnknownEncoder) {
		t.Fatalf("Stop after failed Start: %v", err)
	}
	cfg.Sinks[0].Close()
}

func waitDone(t *testing.T, s *Session, d time.Duration) {
	t.Helper()
	select {
	case <-s.Done():
	case <-time.After(d):
		t.Fatalf("session did not stop within %v", d)
	}
}
