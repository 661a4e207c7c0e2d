package stream_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
	"go.uber.org/goleak"

	"github.com/onair-dev/onair/capture/testpattern"
	"github.com/onair-dev/onair/encode"
	"github.com/onair-dev/onair/pipeline"
	"github.com/onair-dev/onair/stream"
	"github.com/onair-dev/onair/stream/rtc"
	"github.com/onair-dev/onair/stream/server"
)

// viewer is a WHEP viewer: a pion peer of its own receiving from the server.
type whepViewer struct {
	api      *rtc.API
	pc       *webrtc.PeerConnection
	resource string
	log      frameLog
	video    chan *webrtc.TrackRemote
	wg       sync.WaitGroup
}

func watch(t *testing.T, hc *http.Client, base, token string) *whepViewer {
	t.Helper()
	api, err := rtc.NewAPI(rtc.Config{BindIP: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	v := &whepViewer{api: api, video: make(chan *webrtc.TrackRemote, 1)}
	v.pc, err = api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		api.Close()
		t.Fatal(err)
	}
	for _, k := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeVideo, webrtc.RTPCodecTypeAudio} {
		if _, err := v.pc.AddTransceiverFromKind(k, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
			t.Fatal(err)
		}
	}
	v.pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		if tr.Kind() == webrtc.RTPCodecTypeVideo {
			v.video <- tr
		}
		v.wg.Add(1)
		go func() {
			defer v.wg.Done()
			for {
				p, _, err := tr.ReadRTP()
				if err != nil {
					return
				}
				if tr.Kind() == webrtc.RTPCodecTypeVideo {
					v.log.add(p, time.Now())
				}
			}
		}()
	})
	offer, err := v.pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	local, err := rtc.SetLocalComplete(context.Background(), v.pc, offer, 5*time.Second)
	if err != nil {
		t.Fatalf("viewer gathering: %v", err)
	}
	req, _ := http.NewRequest(http.MethodPost, base+"whep", strings.NewReader(local))
	req.Header.Set("Content-Type", "application/sdp")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /whep: %d %s", resp.StatusCode, body)
	}
	v.resource = base + strings.TrimPrefix(resp.Header.Get("Location"), "/")
	if err := v.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: string(body)}); err != nil {
		t.Fatal(err)
	}
	return v
}

func (v *whepViewer) close() {
	v.pc.Close()
	v.wg.Wait()
	v.api.Close()
}

// TestWHIPStopLeavesNothing publishes a Session over WHIP to the local
// server, watches it with a WHEP viewer (which asks for a keyframe with a
// PLI through the server), then stops everything: no goroutine and no UDP
// socket may outlive it.
func TestWHIPStopLeavesNothing(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	udpBefore := udpSockets(t)
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{}}

	srv, err := server.Start(server.Config{Addr: "127.0.0.1:0", Token: whipToken})
	if err != nil {
		t.Fatal(err)
	}
	w, err := stream.NewWHIP(srv.WHIPURL(), stream.WHIPOptions{Token: whipToken, Timeout: 3 * time.Second, ICETimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	src, err := testpattern.New(testpattern.WithSize(320, 240))
	if err != nil {
		t.Fatal(err)
	}
	vc := encode.DefaultVideo()
	vc.Width, vc.Height, vc.Bitrate, vc.KeyframeInterval = 320, 240, 500_000, 10*time.Second
	var mu sync.Mutex
	var events []pipeline.Event
	s, err := pipeline.New(pipeline.Config{Source: src, Video: vc, Audio: encode.DefaultAudio(), Sinks: []stream.Sink{w},
		OnEvent: func(e pipeline.Event) { mu.Lock(); events = append(events, e); mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		done := make(chan error, 1)
		go func() { done <- s.Stop() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Stop: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Fatal("Session.Stop did not return within 15 s")
		}
	}
	defer func() { stop(); src.Close(); srv.Close() }()

	if !waitFor(10*time.Second, func() bool { st := srv.Status(); return st.Live && videoPackets(st) > 30 }) {
		t.Fatalf("not live at the server: %+v", srv.Status())
	}
	v := watch(t, hc, srv.URL(), whipToken)
	viewerClosed := false
	defer func() {
		if !viewerClosed {
			v.close()
		}
	}()
	var vt *webrtc.TrackRemote
	select {
	case vt = <-v.video:
	case <-time.After(10 * time.Second):
		t.Fatal("the viewer got no video track")
	}
	if !waitFor(5*time.Second, func() bool { return v.log.len() > 15 && v.log.firstIDR(0) >= 0 }) {
		t.Fatalf("the viewer got %d frames, IDR at %d", v.log.len(), v.log.firstIDR(0))
	}
	if n := udpSockets(t); n != udpBefore+3 { // server, publisher, viewer: one socket each
		t.Errorf("%d UDP sockets while streaming, want %d+3", n, udpBefore)
	}
	if st := srv.Status(); !st.Live || st.Viewers != 1 {
		t.Fatalf("status %+v, want live with 1 viewer", st)
	}
	// A PLI from the viewer reaches the publisher through the server.
	time.Sleep(400 * time.Millisecond) // past the server's 300 ms PLI limiter
	plis := w.Stats().PLI.Load()
	n0 := v.log.len()
	if err := v.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(vt.SSRC())}}); err != nil {
		t.Fatal(err)
	}
	if !waitFor(3*time.Second, func() bool { return w.Stats().PLI.Load() > plis && v.log.firstIDR(n0) >= 0 }) {
		t.Fatalf("viewer PLI: publisher PLIs %d→%d, IDR at %d", plis, w.Stats().PLI.Load(), v.log.firstIDR(n0))
	}

	stop()
	if st := srv.Status(); st.Live {
		t.Errorf("still live after Session.Stop: %+v", st)
	}
	mu.Lock()
	var closedEvent bool
	for _, e := range events {
		if e.Output == w.Name() && e.State == pipeline.OutputClosed.String() {
			closedEvent = true
		}
	}
	mu.Unlock()
	if !closedEvent {
		t.Errorf("no closed event for %s", w.Name())
	}
	v.close()
	viewerClosed = true
	src.Close()
	srv.Close()
	hc.CloseIdleConnections()
	if !waitFor(3*time.Second, func() bool { return udpSockets(t) == udpBefore }) {
		t.Errorf("%d UDP sockets open after stopping everything, %d before", udpSockets(t), udpBefore)
	}
}
