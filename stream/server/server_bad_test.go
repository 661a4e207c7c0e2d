package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	pmedia "github.com/pion/webrtc/v4/pkg/media"
	"go.uber.org/goleak"

	"github.com/onair-dev/onair/stream/rtc"
	"github.com/onair-dev/onair/stream/server"
)

const testToken = "tok_SERVERSECRET_81d0"

func start(t *testing.T, cfg server.Config) *server.Server {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	s, err := server.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		done := make(chan struct{})
		go func() { s.Close(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("server Close did not return within 10 s")
		}
	})
	return s
}

var client = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{}}

type reply struct {
	code     int
	body     string
	location string
	header   http.Header
}

func do(t *testing.T, method, url, ctype, token, body string) reply {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, string(b), resp.Header.Get("Location"), resp.Header}
}

func base(s *server.Server) string { return strings.TrimSuffix(s.URL(), "/") }

// peer is a pion offerer: a publisher (sendonly H.264 + Opus) or a viewer
// (recvonly), with its own socket.
type peer struct {
	api    *rtc.API
	pc     *webrtc.PeerConnection
	video  *webrtc.TrackLocalStaticSample
	audio  *webrtc.TrackLocalStaticSample
	tracks chan *webrtc.TrackRemote
	wg     sync.WaitGroup
	stop   chan struct{}
	once   sync.Once
}

func newPeer(t *testing.T, publish bool) *peer {
	t.Helper()
	api, err := rtc.NewAPI(rtc.Config{BindIP: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	p := &peer{api: api, tracks: make(chan *webrtc.TrackRemote, 4), stop: make(chan struct{})}
	t.Cleanup(p.close)
	p.pc, err = api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	if publish {
		vc, _ := rtc.Capability("h264")
		ac, _ := rtc.Capability("opus")
		p.video, _ = webrtc.NewTrackLocalStaticSample(vc, "video", "test")
		p.audio, _ = webrtc.NewTrackLocalStaticSample(ac, "audio", "test")
		for _, tr := range []*webrtc.TrackLocalStaticSample{p.video, p.audio} {
			if _, err := p.pc.AddTransceiverFromTrack(tr, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
				t.Fatal(err)
			}
		}
	} else {
		for _, k := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeVideo, webrtc.RTPCodecTypeAudio} {
			if _, err := p.pc.AddTransceiverFromKind(k, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
				t.Fatal(err)
			}
		}
		p.pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
			p.tracks <- tr
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				for {
					if _, _, err := tr.ReadRTP(); err != nil {
						return
					}
				}
			}()
		})
	}
	return p
}

func (p *peer) offer(t *testing.T) string {
	t.Helper()
	o, err := p.pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	sdp, err := rtc.SetLocalComplete(context.Background(), p.pc, o, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return sdp
}

func (p *peer) answer(t *testing.T, sdp string) {
	t.Helper()
	if err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sdp}); err != nil {
		t.Fatal(err)
	}
}

// send writes made-up samples on both tracks (the server never decodes)
// every 20 ms until close.
func (p *peer) send() {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		tk := time.NewTicker(20 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-tk.C:
				// An H.264 IDR NAL unit (type 5) and an Opus frame.
				_ = p.video.WriteSample(pmedia.Sample{Data: []byte{0, 0, 0, 1, 0x65, 0x88, 0x84, 0x21, 0xa0}, Duration: 20 * time.Millisecond})
				_ = p.audio.WriteSample(pmedia.Sample{Data: []byte{0xf8, 0xff, 0xfe}, Duration: 20 * time.Millisecond})
			}
		}
	}()
}

func (p *peer) close() {
	p.once.Do(func() {
		close(p.stop)
		p.pc.Close()
		p.wg.Wait()
		p.api.Close()
	})
}

// publish connects a publisher that sends, and waits until both of its
// tracks reached the server.
func publish(t *testing.T, s *server.Server, token string) (*peer, string) {
	t.Helper()
	p := newPeer(t, true)
	r := do(t, http.MethodPost, s.WHIPURL(), "application/sdp", token, p.offer(t))
	if r.code != http.StatusCreated || !strings.HasPrefix(r.location, "/whip/") {
		t.Fatalf("publish: %d %q location %q", r.code, r.body, r.location)
	}
	p.answer(t, r.body)
	p.send()
	if !waitFor(10*time.Second, func() bool { return len(s.Status().Tracks) == 2 }) {
		t.Fatalf("the publisher's tracks did not arrive: %+v", s.Status())
	}
	return p, r.location
}

func waitFor(d time.Duration, cond func() bool) bool {
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		if cond() {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return cond()
}

func TestServerMalformedOffer(t *testing.T) {
	s := start(t, server.Config{})
	for _, c := range []struct{ name, body, want string }{
		{"not SDP", "hello, I am not an offer", "not an SDP offer"},
		{"empty", "", "not an SDP offer"},
		{"no media", "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n", "no media section"},
		{"pion refuses", "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 102\r\nthis is garbage\r\n", "offer"},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, path := range []string{"/whip", "/whep"} {
				r := do(t, http.MethodPost, base(s)+path, "application/sdp", "", c.body)
				if path == "/whep" && c.name == "pion refuses" {
					continue // nothing is live: 404 comes first
				}
				if r.code != http.StatusBadRequest || !strings.Contains(r.body, c.want) {
					t.Errorf("POST %s: %d %q, want 400 saying %q", path, r.code, r.body, c.want)
				}
			}
			if s.Status().Live {
				t.Error("a refused offer left a publisher behind")
			}
		})
	}
	// The server still takes a good publisher afterwards.
	publish(t, s, "")
}

func TestServerWrongContentType(t *testing.T) {
	s := start(t, server.Config{})
	offer := newPeer(t, true).offer(t)
	for _, ct := range []string{"", "text/plain", "application/json", "application/x-www-form-urlencoded"} {
		for _, path := range []string{"/whip", "/whep"} {
			r := do(t, http.MethodPost, base(s)+path, ct, "", offer)
			if r.code != http.StatusUnsupportedMediaType || !strings.Contains(r.body, "application/sdp") {
				t.Errorf("POST %s with %q: %d %q, want 415 naming application/sdp", path, ct, r.code, r.body)
			}
		}
	}
	if s.Status().Live {
		t.Error("live after refused offers")
	}
}

func TestServerViewerNothingLive(t *testing.T) {
	s := start(t, server.Config{})
	r := do(t, http.MethodPost, base(s)+"/whep", "application/sdp", "", newPeer(t, false).offer(t))
	if r.code != http.StatusNotFound || !strings.Contains(r.body, "nothing is live") {
		t.Fatalf("WHEP with nothing live: %d %q, want 404 saying nothing is live", r.code, r.body)
	}
}

func TestServerSecondPublisherConflict(t *testing.T) {
	s := start(t, server.Config{})
	first, loc := publish(t, s, "")
	r := do(t, http.MethodPost, s.WHIPURL(), "application/sdp", "", newPeer(t, true).offer(t))
	if r.code != http.StatusConflict || !strings.Contains(r.body, "already live") {
		t.Fatalf("second publisher: %d %q, want 409", r.code, r.body)
	}
	if st := s.Status(); !st.Live || len(st.Tracks) != 2 {
		t.Fatalf("the first publisher was disturbed: %+v", st)
	}
	// Once the first one leaves, a new publisher is welcome.
	if r := do(t, http.MethodDelete, base(s)+loc, "", "", ""); r.code != http.StatusOK {
		t.Fatalf("DELETE %s: %d %q", loc, r.code, r.body)
	}
	first.close()
	publish(t, s, "")
}

func TestServerToken(t *testing.T) {
	s := start(t, server.Config{Token: testToken})
	if tok, gen := s.Token(); tok != testToken || gen {
		t.Fatalf("Token() = %q, %v", tok, gen)
	}
	offer := func() string { return newPeer(t, true).offer(t) }
	for _, c := range []struct{ name, token string }{{"none", ""}, {"wrong", "tok_wrong"}, {"prefix", testToken[:5]}} {
		r := do(t, http.MethodPost, s.WHIPURL(), "application/sdp", c.token, offer())
		if r.code != http.StatusUnauthorized {
			t.Errorf("WHIP with %s token: %d %q, want 401", c.name, r.code, r.body)
		}
		if strings.Contains(r.body, testToken) {
			t.Errorf("401 body leaks the token: %q", r.body)
		}
		if r := do(t, http.MethodGet, base(s)+"/api/status", "", c.token, ""); r.code != http.StatusUnauthorized {
			t.Errorf("status with %s token: %d", c.name, r.code)
		}
	}
	if s.Status().Live {
		t.Fatal("live after unauthorized offers")
	}
	_, loc := publish(t, s, testToken)
	if r := do(t, http.MethodDelete, base(s)+loc, "", "", ""); r.code != http.StatusUnauthorized {
		t.Errorf("DELETE without token: %d, want 401", r.code)
	}
	if r := do(t, http.MethodPost, base(s)+"/whep", "application/sdp", "", newPeer(t, false).offer(t)); r.code != http.StatusUnauthorized {
		t.Errorf("WHEP without token: %d, want 401", r.code)
	}
	v := newPeer(t, false)
	r := do(t, http.MethodPost, base(s)+"/whep", "application/sdp", testToken, v.offer(t))
	if r.code != http.StatusCreated {
		t.Fatalf("WHEP with the token: %d %q", r.code, r.body)
	}
	v.answer(t, r.body)
	if r := do(t, http.MethodDelete, base(s)+r.location, "", "tok_wrong", ""); r.code != http.StatusUnauthorized {
		t.Errorf("DELETE %s with a wrong token: %d, want 401", r.location, r.code)
	}
	if st := s.Status(); st.Viewers != 1 {
		t.Errorf("an unauthorized DELETE dropped the viewer: %+v", st)
	}
	if r := do(t, http.MethodDelete, base(s)+r.location, "", testToken, ""); r.code != http.StatusOK {
		t.Errorf("DELETE %s with the token: %d %q", r.location, r.code, r.body)
	}
	if r := do(t, http.MethodDelete, base(s)+loc, "", testToken, ""); r.code != http.StatusOK {
		t.Errorf("DELETE with token: %d %q", r.code, r.body)
	}
}

func TestServerGeneratesTokenOffLoopback(t *testing.T) {
	s := start(t, server.Config{Addr: "0.0.0.0:0"})
	tok, gen := s.Token()
	if !gen || len(tok) < 16 {
		t.Fatalf("Token() = %q, %v: want a generated token", tok, gen)
	}
	port := s.WHIPURL()[strings.LastIndex(s.WHIPURL(), ":"):]
	url := "http://127.0.0.1" + port
	offer := newPeer(t, true).offer(t)
	if r := do(t, http.MethodPost, url, "application/sdp", "", offer); r.code != http.StatusUnauthorized {
		t.Errorf("WHIP without the generated token: %d, want 401", r.code)
	}
	if r := do(t, http.MethodGet, "http://127.0.0.1"+strings.TrimSuffix(port, "/whip")+"/api/status", "", tok, ""); r.code != http.StatusOK {
		t.Errorf("status with the generated token: %d %q", r.code, r.body)
	}
	// A token given is kept, not replaced.
	s2 := start(t, server.Config{Addr: "0.0.0.0:0", Token: testToken})
	if tok, gen := s2.Token(); tok != testToken || gen {
		t.Errorf("Token() = %q, %v with a token given", tok, gen)
	}
	// Loopback needs none.
	s3 := start(t, server.Config{})
	if tok, gen := s3.Token(); tok != "" || gen {
		t.Errorf("loopback Token() = %q, %v", tok, gen)
	}
}

func TestServerPatch(t *testing.T) {
	s := start(t, server.Config{})
	frag := "a=candidate:1 1 udp 1 127.0.0.1 9 typ host\r\n"
	// Viewers cannot renegotiate; the bare endpoint is not a session.
	for _, path := range []string{"/whep/abc", "/whip"} {
		r := do(t, http.MethodPatch, base(s)+path, "application/trickle-ice-sdpfrag", "", frag)
		if r.code != http.StatusMethodNotAllowed {
			t.Errorf("PATCH %s: %d %q, want 405", path, r.code, r.body)
		}
	}
	// A publisher session that does not exist.
	if r := do(t, http.MethodPatch, base(s)+"/whip/abc", "application/trickle-ice-sdpfrag", "", frag); r.code != http.StatusNotFound {
		t.Errorf("PATCH unknown session: %d %q, want 404", r.code, r.body)
	}
}

func TestServerDeleteUnknown(t *testing.T) {
	s := start(t, server.Config{})
	for _, path := range []string{"/whip/nope", "/whep/nope"} {
		if r := do(t, http.MethodDelete, base(s)+path, "", "", ""); r.code != http.StatusNotFound {
			t.Errorf("DELETE %s with nothing live: %d, want 404", path, r.code)
		}
	}
	_, loc := publish(t, s, "")
	for _, path := range []string{"/whip/nope", "/whep/nope", "/whep" + strings.TrimPrefix(loc, "/whip")} {
		if r := do(t, http.MethodDelete, base(s)+path, "", "", ""); r.code != http.StatusNotFound {
			t.Errorf("DELETE %s while live: %d, want 404", path, r.code)
		}
	}
	if !s.Status().Live {
		t.Error("a DELETE of an unknown id ended the live stream")
	}
}

func status(t *testing.T, s *server.Server) server.Status {
	t.Helper()
	r := do(t, http.MethodGet, base(s)+"/api/status", "", "", "")
	if r.code != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Fatalf("status: %d %q", r.code, r.body)
	}
	var st server.Status
	if err := json.Unmarshal([]byte(r.body), &st); err != nil {
		t.Fatalf("status JSON %q: %v", r.body, err)
	}
	return st
}

func TestServerStatusLiveAndViewers(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	s, err := server.Start(server.Config{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if st := status(t, s); st.Live || st.Viewers != 0 || len(st.Tracks) != 0 {
		t.Fatalf("idle status %+v", st)
	}
	pub, loc := publish(t, s, "")
	defer pub.close()
	st := status(t, s)
	if !st.Live || st.Viewers != 0 || len(st.Tracks) != 2 {
		t.Fatalf("live status %+v", st)
	}
	var viewers []*peer
	var locs []string
	for i := 0; i < 2; i++ {
		v := newPeer(t, false)
		defer v.close()
		r := do(t, http.MethodPost, base(s)+"/whep", "application/sdp", "", v.offer(t))
		if r.code != http.StatusCreated || !strings.HasPrefix(r.location, "/whep/") {
			t.Fatalf("viewer %d: %d %q", i, r.code, r.body)
		}
		v.answer(t, r.body)
		for k := 0; k < 2; k++ {
			select {
			case <-v.tracks:
			case <-time.After(10 * time.Second):
				t.Fatalf("viewer %d got %d of 2 tracks", i, k)
			}
		}
		viewers, locs = append(viewers, v), append(locs, r.location)
		if st := status(t, s); st.Viewers != i+1 {
			t.Fatalf("after viewer %d: %+v", i, st)
		}
	}
	for _, tr := range status(t, s).Tracks {
		if tr.Packets == 0 || tr.Bytes == 0 {
			t.Errorf("track %+v counts nothing", tr)
		}
	}
	if r := do(t, http.MethodDelete, base(s)+locs[0], "", "", ""); r.code != http.StatusOK {
		t.Fatalf("DELETE %s: %d", locs[0], r.code)
	}
	if st := status(t, s); st.Viewers != 1 || !st.Live {
		t.Fatalf("after one viewer left: %+v", st)
	}
	// The publisher going away ends the viewers too.
	if r := do(t, http.MethodDelete, base(s)+loc, "", "", ""); r.code != http.StatusOK {
		t.Fatalf("DELETE %s: %d", loc, r.code)
	}
	if st := status(t, s); st.Live || st.Viewers != 0 || len(st.Tracks) != 0 {
		t.Fatalf("after the publisher left: %+v", st)
	}
	if r := do(t, http.MethodDelete, base(s)+locs[1], "", "", ""); r.code != http.StatusNotFound {
		t.Errorf("DELETE of a viewer the publisher's end dropped: %d, want 404", r.code)
	}
	for _, v := range viewers {
		v.close()
	}
	pub.close()
	s.Close()
	client.CloseIdleConnections()
}
