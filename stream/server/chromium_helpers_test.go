package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onair-dev/onair/capture/testpattern"
	"github.com/onair-dev/onair/encode"
	"github.com/onair-dev/onair/internal/browser"
	"github.com/onair-dev/onair/pipeline"
	"github.com/onair-dev/onair/stream"
)

// publishPattern goes live with the real-time 1280x720 30 fps test pattern
// to sink and stops the session at cleanup.
func publishPattern(t *testing.T, sink stream.Sink) *pipeline.Session {
	t.Helper()
	src, err := testpattern.New(testpattern.WithSize(1280, 720), testpattern.WithFrameRate(30), testpattern.WithRealTime(true))
	if err != nil {
		t.Fatal(err)
	}
	sess, err := pipeline.New(pipeline.Config{
		Source: src, Video: encode.DefaultVideo(), Audio: encode.DefaultAudio(), Sinks: []stream.Sink{sink},
		OnEvent: func(e pipeline.Event) {
			if e.Err != nil {
				t.Logf("session event %s %s: %v", e.Output, e.State, e.Err)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := sess.Stop(); err != nil {
			t.Errorf("session stop: %v", err)
		}
		src.Close()
	})
	return sess
}

// waitLive waits until the session's only output is live.
func waitLive(t *testing.T, sess *pipeline.Session, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		st := sess.Stats()
		if len(st.Outputs) == 1 {
			switch o := st.Outputs[0]; o.State {
			case pipeline.OutputLive:
				return
			case pipeline.OutputFailed, pipeline.OutputClosed:
				t.Fatalf("output %s %s: %v", o.Name, o.State, o.Err)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("output not live within %v: %+v", timeout, st.Outputs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// answerPage is a page whose RTCPeerConnection answers a WHIP offer and
// plays what arrives; stats() reports each receiver's inbound-rtp figures
// and the codec in use, read from RTCRtpReceiver.getStats().
const answerPage = `<!doctype html>
<meta charset="utf-8"><title>onair WHIP answerer</title>
<video id="v" autoplay muted playsinline width="640" height="360"></video>
<script>
"use strict";
let pc = null;
const video = document.getElementById("v");
window.answer = async (offer) => {
  if (pc) pc.close();
  pc = new RTCPeerConnection();
  const ms = new MediaStream();
  pc.ontrack = (e) => { ms.addTrack(e.track); video.srcObject = ms; video.play().catch(() => {}); };
  await pc.setRemoteDescription({ type: "offer", sdp: offer });
  await pc.setLocalDescription(await pc.createAnswer());
  await new Promise((resolve, reject) => {
    if (pc.iceGatheringState === "complete") return resolve();
    pc.addEventListener("icegatheringstatechange", () => { if (pc.iceGatheringState === "complete") resolve(); });
    setTimeout(() => reject(new Error("ICE gathering not complete within 5 s")), 5000);
  });
  return pc.localDescription.sdp;
};
window.stats = async () => {
  const out = { state: pc ? pc.connectionState : "none" };
  if (!pc) return out;
  for (const r of pc.getReceivers()) {
    const kind = r.track.kind, rep = await r.getStats();
    let in_ = null;
    rep.forEach((s) => { if (s.type === "inbound-rtp") in_ = s; });
    if (!in_) continue;
    const o = { packetsReceived: in_.packetsReceived || 0, packetsLost: in_.packetsLost || 0,
      framesDecoded: in_.framesDecoded || 0, framesReceived: in_.framesReceived || 0, framesDropped: in_.framesDropped || 0,
      keyFramesDecoded: in_.keyFramesDecoded || 0, frameWidth: in_.frameWidth || 0, frameHeight: in_.frameHeight || 0,
      nackCount: in_.nackCount || 0, pliCount: in_.pliCount || 0, freezeCount: in_.freezeCount || 0,
      codec: "", decoder: in_.decoderImplementation || "" };
    const c = in_.codecId && rep.get(in_.codecId);
    if (c) o.codec = c.mimeType;
    out[kind] = o;
  }
  return out;
};
</script>
`

// receiverStats is what answerPage's stats() returns.
type receiverStats struct {
	State string         `json:"state"`
	Video *inboundStream `json:"video"`
	Audio *inboundStream `json:"audio"`
}

type inboundStream struct {
	PacketsReceived  int64  `json:"packetsReceived"`
	PacketsLost      int64  `json:"packetsLost"`
	FramesDecoded    int64  `json:"framesDecoded"`
	FramesReceived   int64  `json:"framesReceived"`
	FramesDropped    int64  `json:"framesDropped"`
	KeyFramesDecoded int64  `json:"keyFramesDecoded"`
	FrameWidth       int    `json:"frameWidth"`
	FrameHeight      int    `json:"frameHeight"`
	NACKCount        int64  `json:"nackCount"`
	PLICount         int64  `json:"pliCount"`
	FreezeCount      int64  `json:"freezeCount"`
	Codec            string `json:"codec"`
	Decoder          string `json:"decoder"`
}

// chromiumWHIP is a WHIP endpoint on loopback whose answering peer is a
// Chromium page: each POSTed offer goes to the page's answer(), its SDP
// comes back as the 201 body.
type chromiumWHIP struct {
	t    *testing.T
	ctx  context.Context // the browser tab
	srv  *httptest.Server
	mu   sync.Mutex
	sdps []string // answers given
}

func startChromiumWHIP(t *testing.T) *chromiumWHIP {
	t.Helper()
	ctx, _ := browser.Start(t) // closed at cleanup, after the server below
	e := &chromiumWHIP{t: t, ctx: ctx}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, answerPage)
	})
	mux.HandleFunc("POST /whip", e.handlePost)
	mux.HandleFunc("DELETE /whip/{id}", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.srv = &httptest.Server{Listener: ln, Config: &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}}
	e.srv.Start()
	t.Cleanup(e.srv.Close)
	if err := browser.Navigate(ctx, 15*time.Second, e.srv.URL+"/"); err != nil {
		t.Fatalf("opening the answer page: %v", err)
	}
	if err := browser.Poll(ctx, 10*time.Second, 100*time.Millisecond, `typeof window.answer === "function"`); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *chromiumWHIP) URL() string { return e.srv.URL + "/whip" }

func (e *chromiumWHIP) handlePost(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/sdp") {
		http.Error(w, "want application/sdp", http.StatusUnsupportedMediaType)
		return
	}
	offer, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	quoted, _ := json.Marshal(string(offer))
	var ans string
	if err := browser.Eval(e.ctx, 10*time.Second, fmt.Sprintf("window.answer(%s)", quoted), &ans); err != nil {
		http.Error(w, "chromium: "+err.Error(), http.StatusInternalServerError)
		return
	}
	e.mu.Lock()
	e.sdps = append(e.sdps, ans)
	e.mu.Unlock()
	w.Header().Set("Content-Type", "application/sdp")
	w.Header().Set("Location", "/whip/chromium")
	w.WriteHeader(http.StatusCreated)
	io.WriteString(w, ans)
}

// stats reads the page's receiver stats.
func (e *chromiumWHIP) stats() receiverStats {
	e.t.Helper()
	var st receiverStats
	if err := browser.Eval(e.ctx, 5*time.Second, "window.stats()", &st); err != nil {
		e.t.Fatalf("page stats: %v", err)
	}
	return st
}

// waitDecoding waits until the page has decoded at least one video frame.
func (e *chromiumWHIP) waitDecoding(timeout time.Duration) receiverStats {
	e.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		st := e.stats()
		if st.Video != nil && st.Video.FramesDecoded > 0 {
			return st
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("no video frame decoded within %v: %+v", timeout, st)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// whipSink builds onair's WHIP publisher with bounded timeouts.
func whipSink(t *testing.T, url string, dropRate float64) *stream.WHIP {
	t.Helper()
	w, err := stream.NewWHIP(url, stream.WHIPOptions{Timeout: 10 * time.Second, ICETimeout: 10 * time.Second, DropRate: dropRate})
	if err != nil {
		t.Fatal(err)
	}
	return w
}
