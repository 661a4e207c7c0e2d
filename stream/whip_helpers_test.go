package stream_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/onair-dev/onair/capture/testpattern"
	"github.com/onair-dev/onair/encode"
	"github.com/onair-dev/onair/media"
	"github.com/onair-dev/onair/stream"
	"github.com/onair-dev/onair/stream/rtc"
)

// whipToken is the bearer token of every WHIP test; no error text may carry it.
const whipToken = "tok_WHIPSECRET_4f2a9c"

func whipNoToken(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil && (strings.Contains(err.Error(), whipToken) || strings.Contains(err.Error(), "WHIPSECRET")) {
		t.Errorf("%s leaks the token: %q", what, err)
	}
}

// whipStreams is what a 320x240 H.264 baseline + Opus encode declares;
// enough for Open, which never looks at packets.
func whipStreams() []media.StreamInfo {
	return []media.StreamInfo{
		{Kind: media.KindVideo, Codec: "h264", TimeBase: media.Rational{Num: 1, Den: 90000}, BitRate: 500_000,
			Width: 320, Height: 240, FrameRate: media.Rational{Num: 30, Den: 1}},
		{Kind: media.KindAudio, Codec: "opus", TimeBase: media.Rational{Num: 1, Den: 48000}, BitRate: 64_000,
			SampleRate: 48000, Channels: 2, FrameSize: 960},
	}
}

// whipOpen runs Open on a fresh sink, bounded by limit, and returns the
// error and how long Open took. The sink is closed on return.
func whipOpen(t *testing.T, url string, opts stream.WHIPOptions, limit time.Duration) (error, time.Duration) {
	t.Helper()
	w, err := stream.NewWHIP(url, opts)
	if err != nil {
		t.Fatalf("NewWHIP: %v", err)
	}
	defer w.Close()
	errc := make(chan error, 1)
	start := time.Now()
	go func() { errc <- w.Open(context.Background(), whipStreams()) }()
	select {
	case err := <-errc:
		return err, time.Since(start)
	case <-time.After(limit):
		w.Abort()
		t.Fatalf("Open did not return within %v", limit)
		return nil, 0
	}
}

// wantErr checks errors.Is and that the token is not in the text.
func wantErr(t *testing.T, err, sentinel error) {
	t.Helper()
	if !errors.Is(err, sentinel) {
		t.Fatalf("error = %v, want %v", err, sentinel)
	}
	whipNoToken(t, "error", err)
}

// udpSockets counts the UDP sockets this process holds open: socket inodes
// among /proc/self/fd that /proc/self/net/udp{,6} list.
func udpSockets(t *testing.T) int {
	t.Helper()
	udp := map[string]bool{}
	for _, f := range []string{"/proc/self/net/udp", "/proc/self/net/udp6"} {
		b, err := os.ReadFile(f)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			fields := strings.Fields(line)
			if i == 0 || len(fields) < 10 {
				continue
			}
			udp[fields[9]] = true
		}
	}
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, fd := range fds {
		l, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
		if err != nil || !strings.HasPrefix(l, "socket:[") {
			continue
		}
		if udp[strings.TrimSuffix(strings.TrimPrefix(l, "socket:["), "]")] {
			n++
		}
	}
	return n
}

// waitFor polls cond every 20 ms until it holds or d passes.
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

// clip is an encoded test pattern in decode order.
type clip struct {
	streams  []media.StreamInfo
	packets  []*media.Packet
	duration time.Duration
}

var (
	clipOnce sync.Once
	clipVal  *clip
	clipErr  error
)

// whipClip encodes 2 s of 320x240 30 fps test pattern with libx264
// baseline (one keyframe, at the start) and libopus, once per binary.
func whipClip(t *testing.T) *clip {
	t.Helper()
	clipOnce.Do(func() { clipVal, clipErr = encodeClip(2) })
	if clipErr != nil {
		t.Fatal(clipErr)
	}
	return clipVal
}

func encodeClip(seconds int) (*clip, error) {
	src, err := testpattern.New(testpattern.WithSize(320, 240), testpattern.WithRealTime(false))
	if err != nil {
		return nil, err
	}
	defer src.Close()
	vc := encode.DefaultVideo()
	vc.Width, vc.Height, vc.Bitrate, vc.Profile, vc.RateControl = 320, 240, 500_000, "baseline", encode.VBR
	vc.KeyframeInterval = 10 * time.Second
	ve, err := encode.OpenVideo(vc, nil)
	if err != nil {
		return nil, err
	}
	defer ve.Close()
	ac := encode.DefaultAudio()
	ac.Encoder, ac.Bitrate = "libopus", 64_000
	ae, err := encode.OpenAudio(ac)
	if err != nil {
		return nil, err
	}
	defer ae.Close()
	var pkts []*media.Packet
	wall := time.UnixMilli(1_700_000_000_000)
	for n := 0; n < seconds*30; n++ {
		p, err := ve.Encode(src.Frame(int64(n), wall.Add(time.Duration(n)*time.Second/30)))
		if err != nil {
			return nil, err
		}
		pkts = append(pkts, p...)
	}
	p, err := ve.Flush()
	if err != nil {
		return nil, err
	}
	pkts = append(pkts, p...)
	for s := 0; s < seconds*testpattern.SampleRate; s += testpattern.ChunkSamples {
		p, err := ae.Encode(src.Audio(int64(s), testpattern.ChunkSamples))
		if err != nil {
			return nil, err
		}
		pkts = append(pkts, p...)
	}
	p, err = ae.Flush()
	if err != nil {
		return nil, err
	}
	pkts = append(pkts, p...)
	sort.SliceStable(pkts, func(i, j int) bool {
		return pkts[i].TimeBase.Duration(pkts[i].DTS) < pkts[j].TimeBase.Duration(pkts[j].DTS)
	})
	return &clip{streams: []media.StreamInfo{ve.Info(), ae.Info()}, packets: pkts, duration: time.Duration(seconds) * time.Second}, nil
}

// feed replays c into w in real time, looping (each loop shifted by the
// clip's length), until stop is closed. The returned channel closes when
// the feeding goroutine has ended; it reports write errors on errc.
func feed(w stream.Sink, c *clip, stop <-chan struct{}) (done <-chan struct{}, errc <-chan error) {
	d := make(chan struct{})
	ec := make(chan error, 1)
	go func() {
		defer close(d)
		start := time.Now()
		for loop := 0; ; loop++ {
			off := time.Duration(loop) * c.duration
			for _, p := range c.packets {
				at := off + p.TimeBase.Duration(p.DTS)
				if wait := time.Until(start.Add(at)); wait > 0 {
					select {
					case <-stop:
						return
					case <-time.After(wait):
					}
				}
				select {
				case <-stop:
					return
				default:
				}
				q := *p
				q.PTS += p.TimeBase.Ticks(off)
				q.DTS += p.TimeBase.Ticks(off)
				if err := w.WritePacket(&q); err != nil {
					select {
					case ec <- err:
					default:
					}
					return
				}
			}
		}
	}()
	return d, ec
}

// request is what a recording endpoint saw.
type request struct {
	Method, Path, Auth, ContentType string
	Status                          int
	Location                        string
}

// recorder is an HTTP front that records every request and its response,
// then passes it to next.
type recorder struct {
	mu   sync.Mutex
	reqs []request
	next http.Handler
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	rw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	r.next.ServeHTTP(rw, req)
	r.mu.Lock()
	r.reqs = append(r.reqs, request{Method: req.Method, Path: req.URL.Path, Auth: req.Header.Get("Authorization"),
		ContentType: req.Header.Get("Content-Type"), Status: rw.status, Location: rw.Header().Get("Location")})
	r.mu.Unlock()
}

func (r *recorder) requests() []request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]request(nil), r.reqs...)
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) { s.status = code; s.ResponseWriter.WriteHeader(code) }

// answerer is a WHIP endpoint backed by a pion peer connection of its own
// (one per POST): the far end of a publisher, for tests that need to see
// its RTP and send it RTCP.
type answerer struct {
	t                *testing.T
	srv              *httptest.Server
	rewrite          func(string) string // edits the answer SDP; nil keeps it
	closeAfterAnswer bool                // close the peer right after answering (dead candidates)
	onRTP            func(*rtp.Packet, time.Time)

	mu      sync.Mutex
	pcs     []*webrtc.PeerConnection
	apis    []*rtc.API
	video   *webrtc.TrackRemote
	videoPC *webrtc.PeerConnection
	deletes int
	wg      sync.WaitGroup
}

func newAnswerer(t *testing.T, setup func(*answerer)) *answerer {
	a := &answerer{t: t}
	if setup != nil {
		setup(a)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /whip", a.post)
	mux.HandleFunc("DELETE /whip/{id}", func(w http.ResponseWriter, _ *http.Request) {
		a.mu.Lock()
		a.deletes++
		a.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	})
	a.srv = httptest.NewServer(mux)
	t.Cleanup(a.close)
	return a
}

func (a *answerer) url() string { return a.srv.URL + "/whip" }

func (a *answerer) close() {
	a.srv.Close()
	a.mu.Lock()
	pcs, apis := a.pcs, a.apis
	a.pcs, a.apis = nil, nil
	a.mu.Unlock()
	for _, pc := range pcs {
		pc.Close()
	}
	a.wg.Wait()
	for _, api := range apis {
		api.Close()
	}
}

func (a *answerer) post(w http.ResponseWriter, r *http.Request) {
	offer, _ := io.ReadAll(r.Body)
	api, err := rtc.NewAPI(rtc.Config{BindIP: "127.0.0.1"})
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		api.Close()
		http.Error(w, err.Error(), 500)
		return
	}
	a.mu.Lock()
	a.pcs, a.apis = append(a.pcs, pc), append(a.apis, api)
	a.mu.Unlock()
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		if tr.Kind() == webrtc.RTPCodecTypeVideo {
			a.mu.Lock()
			a.video, a.videoPC = tr, pc
			a.mu.Unlock()
		}
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			for {
				p, _, err := tr.ReadRTP()
				if err != nil {
					return
				}
				if tr.Kind() == webrtc.RTPCodecTypeVideo && a.onRTP != nil {
					a.onRTP(p, time.Now())
				}
			}
		}()
	})
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: string(offer)}); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	ans, err := pc.CreateAnswer(nil)
	if err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	sdp, err := rtc.SetLocalComplete(context.Background(), pc, ans, 5*time.Second)
	if errors.Is(err, rtc.ErrGatherTimeout) {
		http.Error(w, "gathering", 500)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	if a.closeAfterAnswer {
		pc.Close()
		api.Close() // its port is closed now: nothing answers there
	}
	if a.rewrite != nil {
		sdp = a.rewrite(sdp)
	}
	w.Header().Set("Content-Type", "application/sdp")
	w.Header().Set("Location", "/whip/1")
	w.WriteHeader(http.StatusCreated)
	io.WriteString(w, sdp)
}

// videoTrack returns the first video track received and its peer connection.
func (a *answerer) videoTrack() (*webrtc.TrackRemote, *webrtc.PeerConnection) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.video, a.videoPC
}

// isIDR reports whether an H.264 RTP payload (single NAL, STAP-A or the
// first fragment of a FU-A) carries an IDR slice (NAL type 5).
func isIDR(payload []byte) bool {
	if len(payload) < 1 {
		return false
	}
	switch typ := payload[0] & 0x1f; typ {
	case 5:
		return true
	case 24: // STAP-A: [size16 NAL]...
		for b := payload[1:]; len(b) > 2; {
			n := int(b[0])<<8 | int(b[1])
			if n == 0 || len(b) < 2+n {
				return false
			}
			if b[2]&0x1f == 5 {
				return true
			}
			b = b[2+n:]
		}
	case 28: // FU-A: start bit and the fragmented NAL's type
		return len(payload) > 1 && payload[1]&0x80 != 0 && payload[1]&0x1f == 5
	}
	return false
}

// closedUDPPort returns a loopback UDP port nothing listens on (it just did).
func closedUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := c.LocalAddr().(*net.UDPAddr).Port
	c.Close()
	return port
}
