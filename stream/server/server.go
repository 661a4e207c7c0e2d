// Package server is onair's built-in local server: WHIP ingest of one
// stream, WHEP egress of it to a handful of viewers (RTP forwarded, never
// re-encoded) and the viewer page. It is not an SFU of rooms.
package server

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"

	"github.com/onair-dev/onair/assets"
	"github.com/onair-dev/onair/stream/rtc"
)

// DefaultAddr keeps the server on this machine unless asked otherwise.
const DefaultAddr = "127.0.0.1:8080"

// Config shapes a server.
type Config struct {
	Addr  string // host:port; default 127.0.0.1:8080
	Token string // bearer token; required (generated if empty) off loopback
	Log   *slog.Logger
}

// Server is one running local server. Close stops it and everything it owns.
type Server struct {
	cfg       Config
	log       *slog.Logger
	token     string
	generated bool
	ln        net.Listener
	httpSrv   *http.Server
	api       *rtc.API

	mu      sync.Mutex
	control map[string]http.Handler // by path under /api/control/
	pub     *publisher
	viewers map[string]*viewer
	wg      sync.WaitGroup
	closed  bool
	once    sync.Once
}

type publisher struct {
	id     string
	pc     *webrtc.PeerConnection
	tracks []*forwarded
	ready  chan struct{} // closed when every offered track arrived
	left   int
	lastPL time.Time
	mu     sync.Mutex
	reneg  sync.Mutex // serialises ICE restarts (PATCH)
}

// forwarded is one incoming track and the local track viewers share.
type forwarded struct {
	remote         *webrtc.TrackRemote
	local          *webrtc.TrackLocalStaticRTP
	packets, bytes atomic.Uint64
}

type viewer struct {
	id string
	pc *webrtc.PeerConnection
}

// Start listens and serves until Close.
func Start(cfg Config) (*Server, error) {
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("server address %q: %v: %w", cfg.Addr, err, ErrListen)
	}
	s := &Server{cfg: cfg, log: cfg.Log, token: cfg.Token, viewers: map[string]*viewer{}}
	ip := net.ParseIP(host)
	loopback := host == "localhost" || (ip != nil && ip.IsLoopback())
	if !loopback && s.token == "" {
		s.token, s.generated = newID()+newID(), true
	}
	bind := host
	if host == "localhost" {
		bind = "127.0.0.1"
	}
	s.api, err = rtc.NewAPI(rtc.Config{BindIP: bind})
	if err != nil {
		return nil, fmt.Errorf("server: %v: %w", err, ErrListen)
	}
	s.ln, err = net.Listen("tcp", cfg.Addr)
	if err != nil {
		s.api.Close()
		return nil, fmt.Errorf("server %s: %v: %w", cfg.Addr, err, ErrListen)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /whip", s.handleWHIP)
	mux.HandleFunc("DELETE /whip/{id}", s.handleWHIPDelete)
	mux.HandleFunc("PATCH /whip/{id}", s.handleWHIPPatch)
	mux.HandleFunc("POST /whep", s.handleWHEP)
	mux.HandleFunc("DELETE /whep/{id}", s.handleWHEPDelete)
	mux.HandleFunc("PATCH /whep/{id}", s.handleNoTrickle)
	mux.HandleFunc("GET /api/status", s.handleStatus)
	for _, m := range []string{"GET", "PUT", "POST"} {
		mux.HandleFunc(m+" /api/control/", s.handleControl)
	}
	page, _ := fs.Sub(assets.FS, "viewer")
	mux.Handle("GET /", http.FileServer(http.FS(page)))
	s.httpSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.httpSrv.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("server stopped", "err", err)
		}
	}()
	return s, nil
}

// URL is the viewer page; WHIPURL is where publishers POST.
func (s *Server) URL() string     { return "http://" + s.ln.Addr().String() + "/" }
func (s *Server) WHIPURL() string { return "http://" + s.ln.Addr().String() + "/whip" }

// Token is the bearer token in force ("" on loopback without one), and
// whether the server generated it (so the caller prints it once).
func (s *Server) Token() (token string, generated bool) { return s.token, s.generated }

func newID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *Server) authorized(r *http.Request) bool {
	if s.token == "" {
		return true
	}
	got := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if got == "" {
		got = r.URL.Query().Get("token") // the viewer page passes it in its URL
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(s.token)) == 1
}

func httpError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	io.WriteString(w, msg+"\n")
}

// readOffer takes an SDP offer from the body, or answers 400 with why.
func readOffer(w http.ResponseWriter, r *http.Request) (string, bool) {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/sdp") {
		httpError(w, http.StatusUnsupportedMediaType, "want Content-Type: application/sdp")
		return "", false
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		httpError(w, http.StatusBadRequest, "cannot read the offer")
		return "", false
	}
	offer := string(body)
	switch {
	case !strings.HasPrefix(strings.TrimSpace(offer), "v=0"):
		httpError(w, http.StatusBadRequest, "the body is not an SDP offer (must start with v=0)")
		return "", false
	case !strings.Contains(offer, "m="):
		httpError(w, http.StatusBadRequest, "the offer has no media section")
		return "", false
	}
	return offer, true
}

// answer applies offer, gathers candidates (one socket: instant) and
// returns the answer SDP.
func answer(pc *webrtc.PeerConnection, offer string) (string, error) {
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return "", fmt.Errorf("the offer was refused: %v", err)
	}
	ans, err := pc.CreateAnswer(nil)
	if err != nil {
		return "", fmt.Errorf("no answer possible: %v", err)
	}
	sdp, err := rtc.SetLocalComplete(context.Background(), pc, ans, 5*time.Second)
	if err != nil && !errors.Is(err, rtc.ErrGatherTimeout) {
		return "", fmt.Errorf("no answer possible: %v", err)
	}
	return sdp, err
}

func (s *Server) handleWHIP(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(r) {
		httpError(w, http.StatusUnauthorized, "missing or wrong bearer token")
		return
	}
	offer, ok := readOffer(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		httpError(w, http.StatusServiceUnavailable, "server is stopping")
		return
	}
	if s.pub != nil {
		s.mu.Unlock()
		httpError(w, http.StatusConflict, "a stream is already live here; stop it first")
		return
	}
	p := &publisher{id: newID(), ready: make(chan struct{})}
	s.pub = p
	s.mu.Unlock()
	fail := func(code int, msg string) {
		s.dropPublisher(p)
		httpError(w, code, msg)
	}
	var err error
	p.pc, err = s.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		fail(http.StatusInternalServerError, "cannot create a peer connection")
		return
	}
	p.left = strings.Count(offer, "\nm=") + boolInt(strings.HasPrefix(offer, "m="))
	p.pc.OnTrack(func(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { s.onPublisherTrack(p, t) })
	p.pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		if st == webrtc.PeerConnectionStateFailed || st == webrtc.PeerConnectionStateClosed {
			s.dropPublisher(p)
		}
	})
	ans, err := answer(p.pc, offer)
	if err != nil {
		fail(http.StatusBadRequest, err.Error())
		return
	}
	if !strings.Contains(ans, "a=rtpmap:") {
		fail(http.StatusBadRequest, "none of the offered codecs is supported (h264, vp8, opus)")
		return
	}
	s.log.Info("publisher connected", "id", p.id)
	w.Header().Set("Content-Type", "application/sdp")
	w.Header().Set("Location", "/whip/"+p.id)
	w.WriteHeader(http.StatusCreated)
	io.WriteString(w, ans)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (s *Server) onPublisherTrack(p *publisher, t *webrtc.TrackRemote) {
	local, err := webrtc.NewTrackLocalStaticRTP(t.Codec().RTPCodecCapability, t.Kind().String(), "onair")
	if err != nil {
		s.log.Error("forwarding track", "err", err)
		return
	}
	f := &forwarded{remote: t, local: local}
	p.mu.Lock()
	p.tracks = append(p.tracks, f)
	p.left--
	if p.left <= 0 {
		select {
		case <-p.ready:
		default:
			close(p.ready)
		}
	}
	p.mu.Unlock()
	s.wg.Add(1)
	go func() { // forward RTP, no re-encode
		defer s.wg.Done()
		for {
			pkt, _, err := t.ReadRTP()
			if err != nil {
				return
			}
			f.packets.Add(1)
			f.bytes.Add(uint64(len(pkt.Payload)))
			// An error here is one viewer's (not connected yet, or gone):
			// the others must keep getting every packet.
			_ = local.WriteRTP(pkt)
		}
	}()
}

// askKeyframe sends a PLI upstream for every video track, at most every 300 ms.
func (p *publisher) askKeyframe() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if time.Since(p.lastPL) < 300*time.Millisecond {
		return
	}
	p.lastPL = time.Now()
	for _, f := range p.tracks {
		if f.remote.Kind() == webrtc.RTPCodecTypeVideo {
			_ = p.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(f.remote.SSRC())}})
		}
	}
}

func (s *Server) dropPublisher(p *publisher) {
	s.mu.Lock()
	if s.pub != p {
		s.mu.Unlock()
		return
	}
	s.pub = nil
	viewers := s.viewers
	s.viewers = map[string]*viewer{}
	s.mu.Unlock()
	if p.pc != nil {
		p.pc.Close()
	}
	for _, v := range viewers { // their stream is gone
		v.pc.Close()
	}
	s.log.Info("publisher gone", "id", p.id)
}

// sessionFor answers 401/404 itself and returns nil unless r names the
// live publisher's session with a valid token.
func (s *Server) sessionFor(w http.ResponseWriter, r *http.Request) *publisher {
	if !s.authorized(r) {
		httpError(w, http.StatusUnauthorized, "missing or wrong bearer token")
		return nil
	}
	s.mu.Lock()
	p := s.pub
	s.mu.Unlock()
	if p == nil || p.id != r.PathValue("id") {
		httpError(w, http.StatusNotFound, "no such session")
		return nil
	}
	return p
}

func (s *Server) handleWHIPDelete(w http.ResponseWriter, r *http.Request) {
	p := s.sessionFor(w, r)
	if p == nil {
		return
	}
	s.dropPublisher(p)
	w.WriteHeader(http.StatusOK)
}

// handleWHIPPatch takes a publisher's trickled candidates (204) or ICE
// restart (200 with this side's new credentials and candidates), RFC 9725
// §4.3 with RFC 8840 fragments.
func (s *Server) handleWHIPPatch(w http.ResponseWriter, r *http.Request) {
	p := s.sessionFor(w, r)
	if p == nil {
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/trickle-ice-sdpfrag") {
		httpError(w, http.StatusUnsupportedMediaType, "want Content-Type: application/trickle-ice-sdpfrag")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		httpError(w, http.StatusBadRequest, "cannot read the fragment")
		return
	}
	frag, err := rtc.ParseSDPFrag(string(body))
	if err != nil {
		httpError(w, http.StatusBadRequest, err.Error())
		return
	}
	p.reneg.Lock() // one renegotiation at a time per publisher
	defer p.reneg.Unlock()
	cur := p.pc.RemoteDescription()
	if cur == nil {
		httpError(w, http.StatusConflict, "the session has no description yet")
		return
	}
	if frag.Ufrag == "" || frag.Ufrag == rtc.FragFromSDP(cur.SDP).Ufrag {
		for _, c := range frag.Candidates { // trickle: same credentials, more candidates
			if err := p.pc.AddICECandidate(webrtc.ICECandidateInit{Candidate: c}); err != nil {
				httpError(w, http.StatusBadRequest, "bad candidate: "+err.Error())
				return
			}
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	ans, err := answer(p.pc, rtc.ApplyFrag(cur.SDP, frag))
	if err != nil {
		httpError(w, http.StatusBadRequest, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/trickle-ice-sdpfrag")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, rtc.FragFromSDP(ans).Marshal())
}

func (s *Server) handleNoTrickle(w http.ResponseWriter, _ *http.Request) {
	// RFC 9725: a server without trickle ICE or ICE restart answers 405.
	httpError(w, http.StatusMethodNotAllowed, "viewers cannot trickle or restart ICE here; candidates are in the SDP")
}

func (s *Server) handleWHEP(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(r) {
		httpError(w, http.StatusUnauthorized, "missing or wrong bearer token")
		return
	}
	offer, ok := readOffer(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	p := s.pub
	s.mu.Unlock()
	if p == nil {
		httpError(w, http.StatusNotFound, "nothing is live: start publishing (onair publish) and retry")
		return
	}
	select {
	case <-p.ready:
	case <-time.After(3 * time.Second):
		httpError(w, http.StatusConflict, "the stream is starting; retry in a moment")
		return
	}
	pc, err := s.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		httpError(w, http.StatusInternalServerError, "cannot create a peer connection")
		return
	}
	v := &viewer{id: newID(), pc: pc}
	p.mu.Lock()
	tracks := append([]*forwarded(nil), p.tracks...)
	p.mu.Unlock()
	for _, f := range tracks {
		sender, err := pc.AddTrack(f.local)
		if err != nil {
			pc.Close()
			httpError(w, http.StatusInternalServerError, "cannot add a track")
			return
		}
		s.wg.Add(1)
		go func() { // viewer's PLI/FIR go upstream as one PLI
			defer s.wg.Done()
			for {
				pkts, _, err := sender.ReadRTCP()
				if err != nil {
					return
				}
				for _, pk := range pkts {
					switch pk.(type) {
					case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
						p.askKeyframe()
					}
				}
			}
		}()
	}
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		switch st {
		case webrtc.PeerConnectionStateConnected:
			p.askKeyframe() // a late viewer starts within one keyframe
		case webrtc.PeerConnectionStateFailed, webrtc.PeerConnectionStateClosed:
			s.dropViewer(v.id)
		}
	})
	ans, err := answer(pc, offer)
	if err != nil {
		pc.Close()
		httpError(w, http.StatusBadRequest, err.Error())
		return
	}
	s.mu.Lock()
	if s.pub != p {
		s.mu.Unlock()
		pc.Close()
		httpError(w, http.StatusNotFound, "the stream just ended")
		return
	}
	s.viewers[v.id] = v
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/sdp")
	w.Header().Set("Location", "/whep/"+v.id)
	w.WriteHeader(http.StatusCreated)
	io.WriteString(w, ans)
}

func (s *Server) dropViewer(id string) {
	s.mu.Lock()
	v := s.viewers[id]
	delete(s.viewers, id)
	s.mu.Unlock()
	if v != nil {
		v.pc.Close()
	}
}

func (s *Server) handleWHEPDelete(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(r) {
		httpError(w, http.StatusUnauthorized, "missing or wrong bearer token")
		return
	}
	s.mu.Lock()
	_, ok := s.viewers[r.PathValue("id")]
	s.mu.Unlock()
	if !ok {
		httpError(w, http.StatusNotFound, "no such viewer session")
		return
	}
	s.dropViewer(r.PathValue("id"))
	w.WriteHeader(http.StatusOK)
}

// HandleControl serves h at /api/control/<name> (e.g. "filters"), for a
// session's live controls. Control requests are taken only from this machine
// (loopback peers) and, when the server has a token, with the token.
func (s *Server) HandleControl(name string, h http.Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.control == nil {
		s.control = map[string]http.Handler{}
	}
	s.control[name] = h
}

func (s *Server) handleControl(w http.ResponseWriter, r *http.Request) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		httpError(w, http.StatusForbidden, "controls are only taken from this machine")
		return
	}
	if !s.authorized(r) {
		httpError(w, http.StatusUnauthorized, "missing or wrong bearer token")
		return
	}
	name := strings.TrimPrefix(r.URL.Path, "/api/control/")
	s.mu.Lock()
	h := s.control[name]
	s.mu.Unlock()
	if h == nil {
		httpError(w, http.StatusNotFound, "no control "+strconv.Quote(name)+" here (is a session with it live?)")
		return
	}
	h.ServeHTTP(w, r)
}

// Status is what /api/status reports.
type Status struct {
	Live    bool          `json:"live"`
	Viewers int           `json:"viewers"`
	Codecs  []string      `json:"codecs"`
	Tracks  []TrackStatus `json:"tracks"`
}

// TrackStatus counts what arrived from the publisher on one track.
type TrackStatus struct {
	Kind    string `json:"kind"`
	Codec   string `json:"codec"`
	Packets uint64 `json:"packets"`
	Bytes   uint64 `json:"bytes"`
}

// Status reports whether a stream is live and how many watch it.
func (s *Server) Status() Status {
	s.mu.Lock()
	p := s.pub
	st := Status{Live: p != nil, Viewers: len(s.viewers)}
	s.mu.Unlock()
	if p != nil {
		p.mu.Lock()
		for _, f := range p.tracks {
			st.Codecs = append(st.Codecs, f.remote.Codec().MimeType)
			st.Tracks = append(st.Tracks, TrackStatus{Kind: f.remote.Kind().String(), Codec: f.remote.Codec().MimeType,
				Packets: f.packets.Load(), Bytes: f.bytes.Load()})
		}
		p.mu.Unlock()
	}
	return st
}

func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(r) {
		httpError(w, http.StatusUnauthorized, "missing or wrong bearer token")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(s.Status())
}

// Close stops serving, closes every peer connection and the UDP socket, and
// waits for every goroutine. Idempotent.
func (s *Server) Close() error {
	s.once.Do(func() {
		s.mu.Lock()
		s.closed = true
		p := s.pub
		s.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		s.httpSrv.Shutdown(ctx)
		cancel()
		if p != nil {
			s.dropPublisher(p)
		}
		s.mu.Lock()
		viewers := s.viewers
		s.viewers = map[string]*viewer{}
		s.mu.Unlock()
		for _, v := range viewers {
			v.pc.Close()
		}
		s.wg.Wait()
		s.api.Close()
	})
	return nil
}
