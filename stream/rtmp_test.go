package stream

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/onair-dev/onair/internal/nginxrtmp"
	"github.com/onair-dev/onair/internal/testenv"
	"github.com/onair-dev/onair/media"
)

const failTimeout = 1500 * time.Millisecond

// openErr opens a fresh RTMP sink at url and returns Open's error and how
// long it took, bounded by bound. The sink is closed (twice) afterwards.
func openErr(t *testing.T, url string, timeout, bound time.Duration) (error, time.Duration) {
	t.Helper()
	sink, err := NewRTMP(url, timeout)
	if err != nil {
		t.Fatal(err)
	}
	noSecret(t, "Name()", sink.Name())
	a := encodeAV(t, "libx264", "aac", 2)
	var openErr error
	took := within(t, bound, "Open", func() { openErr = sink.Open(context.Background(), a.streams) })
	if openErr != nil {
		noSecret(t, "Open error", openErr.Error())
		if err := sink.WritePacket(a.packets[0]); err == nil {
			t.Error("WritePacket after a failed Open succeeded")
		}
	}
	if err := closeTwice(t, sink); err != nil {
		noSecret(t, "Close error", err.Error())
	}
	return openErr, took
}

func TestRTMPPublishToNginx(t *testing.T) {
	s := nginxrtmp.Start(t)
	a := encodeAV(t, "libx264", "aac", 2)
	sink, err := Parse(s.URL(nginxrtmp.Key), WithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sink.Name(), nginxrtmp.Key) {
		t.Fatalf("Name() %q shows the key", sink.Name())
	}
	if err := CheckCodecs(sink, a.streams[0].Codec, a.streams[1].Codec); err != nil {
		t.Fatal(err)
	}
	openLive(t, sink, a.streams)
	within(t, 20*time.Second, "writing 2 s of packets", func() {
		for i, p := range a.packets {
			if err := sink.WritePacket(p); err != nil {
				t.Errorf("packet %d: %v", i, err)
				return
			}
		}
	})
	if err := closeTwice(t, sink); err != nil {
		t.Fatalf("Close: %v", err)
	}
	// nginx finishes its recording once the publisher has gone.
	path := s.RecordPath(nginxrtmp.Key)
	deadline := time.Now().Add(10 * time.Second)
	var frames int
	for {
		if st, err := os.Stat(path); err == nil && st.Size() > 0 {
			streams := testenv.Probe(t, path)
			v := testenv.Find(t, streams, "video")
			au := testenv.Find(t, streams, "audio")
			if v.CodecName != "h264" || au.CodecName != "aac" || au.SampleRate != "48000" {
				t.Fatalf("nginx recorded %+v / %+v, want h264 + aac 48 kHz", v, au)
			}
			if frames = v.Frames(); frames == a.frames {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx recording %s has %d video frames, want %d", path, frames, a.frames)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestRTMPBadKeyRejected(t *testing.T) {
	s := nginxrtmp.Start(t)
	err, took := openErr(t, s.URL(secret), failTimeout, 10*time.Second)
	if !errors.Is(err, ErrRejected) {
		t.Fatalf("Open with a bad key = %v, want ErrRejected", err)
	}
	if took > failTimeout {
		t.Fatalf("rejection took %v: a refusal must not wait for the timeout", took)
	}
	if st, err := os.Stat(s.RecordPath(secret)); err == nil && st.Size() > 0 {
		t.Fatalf("nginx recorded %d bytes from a rejected publisher", st.Size())
	}
}

func TestRTMPUnknownAppRejected(t *testing.T) {
	s := nginxrtmp.Start(t)
	err, took := openErr(t, "rtmp://"+s.Addr()+"/nosuchapp/"+secret, failTimeout, 10*time.Second)
	if !errors.Is(err, ErrRejected) {
		t.Fatalf("Open on an unknown app = %v, want ErrRejected", err)
	}
	if took > failTimeout {
		t.Fatalf("rejection took %v", took)
	}
}

func TestRTMPConnectionRefused(t *testing.T) {
	err, took := openErr(t, "rtmp://"+testenv.ClosedAddr(t)+"/live/"+secret, failTimeout, 10*time.Second)
	if !errors.Is(err, ErrConnect) {
		t.Fatalf("Open on a closed port = %v, want ErrConnect", err)
	}
	if took > failTimeout {
		t.Fatalf("refused connect took %v", took)
	}
}

func TestRTMPSilentServerTimesOut(t *testing.T) {
	addr := testenv.SilentServer(t)
	err, took := openErr(t, "rtmp://"+addr+"/live/"+secret, failTimeout, failTimeout+2*time.Second)
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("Open on a silent server = %v, want ErrTimeout", err)
	}
	if took < failTimeout-100*time.Millisecond {
		t.Fatalf("gave up after %v, before the %v timeout", took, failTimeout)
	}
}

func TestRTMPSilentServerRTMPS(t *testing.T) {
	// The TLS handshake is bounded by the same deadline.
	addr := testenv.SilentServer(t)
	err, _ := openErr(t, "rtmps://"+addr+"/live/"+secret, failTimeout, failTimeout+2*time.Second)
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("Open rtmps on a silent server = %v, want ErrTimeout", err)
	}
}

func TestRTMPAbortUnblocksOpen(t *testing.T) {
	addr := testenv.SilentServer(t)
	sink, err := NewRTMP("rtmp://"+addr+"/live/"+secret, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	a := encodeAV(t, "libx264", "aac", 2)
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- sink.Open(context.Background(), a.streams) }()
	time.Sleep(300 * time.Millisecond)
	sink.Abort()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("aborted Open succeeded")
		}
		noSecret(t, "aborted Open error", err.Error())
		if took := time.Since(start); took > 3*time.Second {
			t.Fatalf("aborted Open took %v", took)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Abort did not unblock Open (30 s timeout)")
	}
	if err := sink.WritePacket(a.packets[0]); err == nil {
		t.Fatal("WritePacket after an aborted Open succeeded")
	}
	closeTwice(t, sink)
}

func TestRTMPContextCancelUnblocksOpen(t *testing.T) {
	addr := testenv.SilentServer(t)
	sink, err := NewRTMP("rtmp://"+addr+"/live/"+secret, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	a := encodeAV(t, "libx264", "aac", 2)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	var openErr error
	within(t, 5*time.Second, "Open with a cancelled context", func() { openErr = sink.Open(ctx, a.streams) })
	if !errors.Is(openErr, context.DeadlineExceeded) {
		t.Fatalf("Open = %v, want context.DeadlineExceeded", openErr)
	}
	noSecret(t, "Open error", openErr.Error())
	closeTwice(t, sink)
}

func TestRTMPServerKilledMidStream(t *testing.T) {
	s := nginxrtmp.Start(t)
	a := encodeAV(t, "libx264", "aac", 2)
	// The key nginx accepts is not `secret`; check its own key stays hidden.
	sink, err := NewRTMP(s.URL(nginxrtmp.Key), failTimeout)
	if err != nil {
		t.Fatal(err)
	}
	openLive(t, sink, a.streams)
	for _, p := range a.packets[:len(a.packets)/4] {
		if err := sink.WritePacket(p); err != nil {
			t.Fatalf("before the kill: %v", err)
		}
	}
	s.Kill()
	var writeErr error
	within(t, 20*time.Second, "writing after the server died", func() {
		deadline := time.Now().Add(15 * time.Second)
		for loop := 0; time.Now().Before(deadline); loop++ {
			for _, p := range a.packets {
				if err := sink.WritePacket(shifted(p, time.Duration(loop+1)*a.duration)); err != nil {
					writeErr = err
					return
				}
			}
		}
	})
	if !errors.Is(writeErr, ErrDisconnected) {
		t.Fatalf("WritePacket after the server was killed = %v, want ErrDisconnected", writeErr)
	}
	if strings.Contains(writeErr.Error(), nginxrtmp.Key) {
		t.Fatalf("error %q shows the key", writeErr)
	}
	if err := closeTwice(t, sink); err != nil && strings.Contains(err.Error(), nginxrtmp.Key) {
		t.Fatalf("Close error %q shows the key", err)
	}
}

func TestRTMPAbortUnblocksWrite(t *testing.T) {
	// Publish to nginx, then Abort from another goroutine: the next
	// WritePacket returns ErrClosed at once and Close skips the trailer.
	s := nginxrtmp.Start(t)
	a := encodeAV(t, "libx264", "aac", 2)
	sink, err := NewRTMP(s.URL(nginxrtmp.Key), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	openLive(t, sink, a.streams)
	for _, p := range a.packets[:20] {
		if err := sink.WritePacket(p); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan struct{})
	go func() { sink.Abort(); close(done) }()
	<-done
	if err := sink.WritePacket(a.packets[20]); !errors.Is(err, ErrClosed) {
		t.Fatalf("WritePacket after Abort = %v, want ErrClosed", err)
	}
	closeTwice(t, sink)
}

// openLive opens sink to a live server within 10 s, or closes it and fails.
func openLive(t *testing.T, sink Sink, streams []media.StreamInfo) {
	t.Helper()
	within(t, 10*time.Second, "Open", func() {
		if err := sink.Open(context.Background(), streams); err != nil {
			t.Error(err)
		}
	})
	if t.Failed() {
		sink.Close()
		t.FailNow()
	}
}
