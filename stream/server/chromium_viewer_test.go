package server_test

import (
	"testing"
	"time"

	"github.com/onair-dev/onair/internal/browser"
	"github.com/onair-dev/onair/stream/server"
)

// viewerSnapshot is what the viewer page exposes, read in one evaluation;
// Decoded comes straight from getStats (onair.stats lags up to 1 s).
type viewerSnapshot struct {
	State   string   `json:"state"`
	Errors  []string `json:"errors"`
	Frames  int      `json:"frames"`
	Decoded int64    `json:"decoded"`
	Stats   struct {
		FramesDecoded        int64   `json:"framesDecoded"`
		FrameWidth           int     `json:"frameWidth"`
		FrameHeight          int     `json:"frameHeight"`
		AudioPacketsReceived int64   `json:"audioPacketsReceived"`
		VideoPacketsLost     int64   `json:"videoPacketsLost"`
		VideoPacketsReceived int64   `json:"videoPacketsReceived"`
		FPS                  float64 `json:"fps"`
	} `json:"stats"`
	FramesDropped int64  `json:"framesDropped"`
	Decoder       string `json:"decoder"`
}

const viewerSnapshotJS = `(async () => {
  const o = window.onair;
  let decoded = 0, dropped = 0, decoder = "";
  if (o.pc) (await o.pc.getStats()).forEach((r) => {
    if (r.type === "inbound-rtp" && r.kind === "video") { decoded = r.framesDecoded || 0; dropped = r.framesDropped || 0; decoder = r.decoderImplementation || ""; }
  });
  return { state: o.state, errors: o.errors, frames: o.frames.length, decoded, stats: o.stats, framesDropped: dropped, decoder };
})()`

// TestChromiumViewerPlays720p30: onair publishes the 720p30 test pattern
// over WHIP to the built-in server; the server's own viewer page, in a real
// Chromium, plays it at full rate and size with audio, and reads every
// frame's barcode in order.
func TestChromiumViewerPlays720p30(t *testing.T) {
	start := time.Now()
	b := browser.StartBrowser(t)
	srv, err := server.Start(server.Config{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	sess := publishPattern(t, whipSink(t, srv.WHIPURL(), 0))
	waitLive(t, sess, 15*time.Second)

	if err := browser.Navigate(b.Ctx, 15*time.Second, srv.URL()); err != nil {
		t.Fatalf("opening %s: %v", srv.URL(), err)
	}
	snap := func() viewerSnapshot {
		t.Helper()
		var s viewerSnapshot
		if err := browser.Eval(b.Ctx, 5*time.Second, viewerSnapshotJS, &s); err != nil {
			t.Fatalf("reading window.onair: %v", err)
		}
		return s
	}
	if err := browser.Poll(b.Ctx, 15*time.Second, 100*time.Millisecond,
		`window.onair && onair.state === "playing" && onair.frames.length > 0`); err != nil {
		t.Fatalf("viewer never played: %v; page: %+v", err, snap())
	}
	playing := time.Now()
	time.Sleep(time.Second) // the first second holds the start-up burst
	s0, w0 := snap(), time.Now()
	enc0 := sess.Stats().Encoded
	time.Sleep(10 * time.Second)
	s1, w1 := snap(), time.Now()
	enc1 := sess.Stats().Encoded
	window := w1.Sub(w0)

	var frames []int64
	if err := browser.Eval(b.Ctx, 5*time.Second, `onair.frames`, &frames); err != nil {
		t.Fatal(err)
	}
	decoded, read := s1.Decoded-s0.Decoded, s1.Frames-s0.Frames
	t.Logf("window %.2f s (ends %.1f s after playing): decoded %d frames (%.1f fps), barcodes read %d, encoded %d, "+
		"page framesDropped %d, size %dx%d, audio packets %d, video lost/received %d/%d, decoder %s; session %+v",
		window.Seconds(), w1.Sub(playing).Seconds(), decoded, float64(decoded)/window.Seconds(), read, enc1-enc0,
		s1.FramesDropped-s0.FramesDropped, s1.Stats.FrameWidth, s1.Stats.FrameHeight, s1.Stats.AudioPacketsReceived,
		s1.Stats.VideoPacketsLost, s1.Stats.VideoPacketsReceived, s1.Decoder, sess.Stats())

	if decoded < 270 {
		t.Errorf("decoded %d frames in %.1f s, want >= 270 (30 fps sent; the encoder produced %d)", decoded, window.Seconds(), enc1-enc0)
	}
	if s1.Stats.FrameWidth != 1280 || s1.Stats.FrameHeight != 720 {
		t.Errorf("frame size %dx%d, want 1280x720", s1.Stats.FrameWidth, s1.Stats.FrameHeight)
	}
	if s1.Stats.AudioPacketsReceived <= 0 {
		t.Errorf("no audio packet received: %+v", s1.Stats)
	}
	// The page reads barcodes in requestVideoFrameCallback, which coalesces
	// frames when its main thread is busy: decoded frames (above) are the
	// frame count; this checks the frames carry advancing numbers.
	if read < 200 {
		t.Errorf("read %d barcodes in %.1f s, want >= 200", read, window.Seconds())
	}
	for i := 1; i < len(frames); i++ {
		if frames[i] <= frames[i-1] {
			t.Errorf("onair.frames not strictly increasing at %d: ... %v ...", i, frames[max(0, i-3):min(len(frames), i+3)])
			break
		}
	}
	if len(s1.Errors) > 0 {
		t.Errorf("viewer errors: %v", s1.Errors)
	}
	if st := srv.Status(); !st.Live || st.Viewers != 1 {
		t.Errorf("server status %+v, want live with one viewer", st)
	}
	t.Logf("barcodes read in all: %d (first %d, last %d); test body %.1f s", len(frames), first(frames), last(frames), time.Since(start).Seconds())
}

func first(s []int64) int64 {
	if len(s) == 0 {
		return -1
	}
	return s[0]
}

func last(s []int64) int64 {
	if len(s) == 0 {
		return -1
	}
	return s[len(s)-1]
}
