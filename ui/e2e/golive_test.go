package e2e

import (
	"context"
	"image"
	"image/color"
	"testing"
	"time"

	"github.com/onair-dev/onair/internal/browser"
	"github.com/onair-dev/onair/internal/testenv"
)

// syncLine is the colour of the A/V sync graph's line (ui palette[0]).
var syncLine = color.RGBA{R: 0x3d, G: 0x8b, B: 0xfd, A: 0xff}

// Thresholds of the window checks, with a wide margin over what a run
// measures (see the t.Logf lines): a flat picture has a luma deviation of a
// few units, the test pattern about 65.
const (
	minPreviewSD      = 25.0 // luma standard deviation of a live preview
	maxIdlePreviewSD  = 15.0 // the "Not live" placeholder
	minPreviewChanged = 500  // pixels that change in the preview within a second
	minLinePixels     = 8    // pixels of the sync line's colour in the graph's plot
	minDecoded        = 30   // frames the viewer page decodes
	minSyncPoints     = 3    // points on the A/V sync graph before the screenshots
)

// viewer is what the built-in server's viewer page exposes as window.onair;
// decoded comes straight from getStats.
type viewer struct {
	State   string   `json:"state"`
	Errors  []string `json:"errors"`
	Frames  int      `json:"frames"`
	Decoded int64    `json:"decoded"`
}

const viewerJS = `(async () => {
  const o = window.onair;
  if (!o) return { state: "no window.onair", errors: [], frames: 0, decoded: 0 };
  let decoded = 0;
  if (o.pc) (await o.pc.getStats()).forEach((r) => {
    if (r.type === "inbound-rtp" && r.kind === "video") decoded = r.framesDecoded || 0;
  });
  return { state: o.state, errors: o.errors, frames: o.frames.length, decoded };
})()`

// TestGoLiveInRealWindow: the window, started with the test pattern to the
// built-in server, goes live when Go Live is clicked (a real X click); the
// preview shows a moving picture, the A/V sync graph draws its line, a
// Chromium viewer of the server decodes the stream, and the same button
// stops it. SIGTERM quits the app cleanly.
func TestGoLiveInRealWindow(t *testing.T) {
	start := time.Now()
	disp := startXvfb(t)
	b := browser.StartBrowser(t)
	addr := testenv.ClosedAddr(t)
	a := startApp(t, disp, appConfig{name: "golive", args: []string{
		"--source", "testpattern", "--out", "local", "--server-addr", addr, "--lang", "en", "--preview", "on"}})
	ready := a.waitStats(5*time.Second, "a window not live", func(s uiStats) bool { return !s.Live })
	opened := time.Now()
	idle, _ := a.screenshot("golive-1-ready")

	a.click(ready, "golive")
	clicked := time.Now()
	live := a.waitStats(20*time.Second, "live with frames encoded", func(s uiStats) bool { return s.Live && s.Encoded > 0 })
	a.waitStats(10*time.Second, "the encoded count growing", func(s uiStats) bool { return s.Live && s.Encoded > live.Encoded })
	t.Logf("live %.1f s after the click: %+v", time.Since(clicked).Seconds(), live)

	url := "http://" + addr + "/"
	if err := browser.Navigate(b.Ctx, 15*time.Second, url); err != nil {
		t.Fatalf("opening the viewer %s: %v", url, err)
	}
	if err := browser.Poll(b.Ctx, 20*time.Second, 200*time.Millisecond, `window.onair && onair.state === "playing"`); err != nil {
		t.Fatalf("viewer never played: %v; page %+v", err, readViewer(t, b.Ctx))
	}

	drawn := a.waitStats(20*time.Second, "points on the A/V sync graph and pictures in the preview",
		func(s uiStats) bool { return s.Live && s.SyncPoints >= minSyncPoints && s.Preview.Frames > 0 })
	shot1, _ := a.screenshot("golive-2-live")
	time.Sleep(time.Second)
	shot2, _ := a.screenshot("golive-3-live-1s-later")

	// The preview: a picture, not a flat placeholder, that moves.
	pv := a.widget(drawn, "preview")
	_, sdIdle := lumaStats(crop(t, idle, pv))
	_, sd1 := lumaStats(crop(t, shot1, pv))
	_, sd2 := lumaStats(crop(t, shot2, pv))
	moved := changedPixels(crop(t, shot1, pv), crop(t, shot2, pv), 32)
	t.Logf("preview %s: luma sd %.1f before live, %.1f and %.1f live; %d pixels changed in 1 s; stats %+v",
		describe(pv), sdIdle, sd1, sd2, moved, drawn.Preview)
	if sdIdle > maxIdlePreviewSD {
		t.Errorf("preview before go-live has luma sd %.1f, want a flat placeholder (<= %.0f)", sdIdle, maxIdlePreviewSD)
	}
	if sd1 < minPreviewSD || sd2 < minPreviewSD {
		t.Errorf("live preview looks blank: luma sd %.1f, %.1f, want >= %.0f", sd1, sd2, minPreviewSD)
	}
	if moved < minPreviewChanged {
		t.Errorf("live preview did not move: %d pixels changed in 1 s, want >= %d", moved, minPreviewChanged)
	}

	// The A/V sync graph: points in the stats, and its line's colour in
	// the plot (below the title row, which shows the value in that colour).
	sg := a.widget(drawn, "sync_graph")
	plot := image.Rect(sg.Min.X, sg.Min.Y+sg.Dy()/4, sg.Max.X, sg.Max.Y)
	lineIdle, line := countColour(crop(t, idle, plot), syncLine, 32), countColour(crop(t, shot2, plot), syncLine, 32)
	t.Logf("sync graph %s: %d points drawn; %d pixels of #3d8bfd in its plot before live, %d live",
		describe(sg), drawn.SyncPoints, lineIdle, line)
	if line < minLinePixels || line <= lineIdle {
		t.Errorf("no A/V sync line on screen: %d pixels of #3d8bfd in the plot (%d before live), want >= %d",
			line, lineIdle, minLinePixels)
	}

	// The Chromium viewer of the built-in server decodes the stream.
	var v viewer
	deadline := time.Now().Add(30 * time.Second)
	for v = readViewer(t, b.Ctx); v.Decoded <= minDecoded && time.Now().Before(deadline); v = readViewer(t, b.Ctx) {
		time.Sleep(250 * time.Millisecond)
	}
	t.Logf("viewer %s: %+v", url, v)
	if v.Decoded <= minDecoded {
		t.Errorf("viewer decoded %d frames, want > %d; page %+v", v.Decoded, minDecoded, v)
	}
	if len(v.Errors) > 0 {
		t.Errorf("viewer errors: %v", v.Errors)
	}

	// Stop, with the same button (narrower now: it reads Stop).
	now := a.waitStats(5*time.Second, "live", func(s uiStats) bool { return s.Live })
	a.click(now, "golive")
	stopClicked := time.Now()
	stopped := a.waitStats(15*time.Second, "not live after Stop", func(s uiStats) bool { return !s.Live })
	t.Logf("stopped %.1f s after the click: %+v", time.Since(stopClicked).Seconds(), stopped)
	a.screenshot("golive-4-stopped")

	if n := threadErrors(a.log()); n > 0 {
		t.Errorf("Fyne reported %d widget calls off its goroutine while the window ran; log:\n%s", n, a.logTail())
	}
	running := threadErrors(a.log())
	took := a.quit()
	t.Logf("SIGTERM: exited in %.2f s with %v", took.Seconds(), a.cmd.ProcessState)
	if n := threadErrors(a.log()) - running; n > 0 {
		t.Errorf("Fyne reported %d widget calls off its goroutine while the app quit", n)
	}
	t.Logf("window open %.1f s after start; test body %.1f s", opened.Sub(start).Seconds(), time.Since(start).Seconds())
}

func readViewer(t *testing.T, ctx context.Context) viewer {
	t.Helper()
	var v viewer
	if err := browser.Eval(ctx, 5*time.Second, viewerJS, &v); err != nil {
		t.Fatalf("reading window.onair: %v", err)
	}
	return v
}
