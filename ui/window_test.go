package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/onair-dev/onair/internal/testenv"
	"github.com/onair-dev/onair/ui/settings"
)

// newTestWindow builds the real window on Fyne's test driver, with its
// own preferences, no system keyring and a built-in server on a free port.
func newTestWindow(t *testing.T) (*Window, *Controller) {
	t.Helper()
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(t.TempDir(), "no-bus"))
	a := test.NewTempApp(t)
	ctrl := NewController(a.Preferences(), settings.OpenSecrets("onair-test"), nil)
	ctrl.ServerAddr = testenv.ClosedAddr(t) // free: nothing listens there yet
	ctrl.Update(func(s *settings.Settings) { s.Size, s.Bitrate = "640x360", "800k" })
	var w *Window
	ui(func() { w = NewWindow(a, ctrl); w.Show() })
	t.Cleanup(func() { ui(func() { w.win.Close() }); w.Close() })
	return w, ctrl
}

// eventually polls cond on the Fyne goroutine until it holds or limit passes.
func eventually(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		ok := false
		ui(func() { ok = cond() })
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", limit, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (p *filterPanel) item(name string) *filterItem {
	for _, it := range p.items {
		if it.info.Name == name {
			return it
		}
	}
	return nil
}

func (p *outputPanel) onlyRow(kind string, c *Controller) *outputRow {
	for _, o := range c.Settings().Outputs {
		if o.Kind == kind {
			return p.rows[o.ID]
		}
	}
	return nil
}

// Picking a source, adding outputs, toggling filters and going live drive
// the session; the graphs, status lights and preview follow it.
func TestWindowDrivesTheSession(t *testing.T) {
	w, ctrl := newTestWindow(t)
	rec := filepath.Join(t.TempDir(), "w.mkv")

	// Source: the screen, then back to the test pattern.
	var micOff, inputOff bool
	ui(func() {
		w.sources.kind.SetSelected(sourceLabel(SourceScreen))
		micOff = w.sources.mic.Disabled()
	})
	if got := ctrl.Settings().Source; got != SourceScreen || micOff {
		t.Fatalf("source %q (microphone picker disabled: %v) after picking the screen", got, micOff)
	}
	ui(func() {
		w.sources.kind.SetSelected(sourceLabel(SourceTestPattern))
		inputOff = w.sources.input.Disabled()
	})
	if !inputOff || ctrl.Settings().Source != SourceTestPattern {
		t.Error("URL field enabled for the test pattern")
	}

	// The encoder catalog is probed when its tab is first shown.
	var catalog string
	ui(func() { catalog = w.encoder.catalog.Text })
	if strings.Contains(catalog, "libx264") {
		t.Errorf("catalog probed before anyone looked: %q", catalog)
	}
	ui(func() {
		walk(w.win.Content(), func(o fyne.CanvasObject) {
			if tabs, ok := o.(*container.AppTabs); ok && tabs != w.tabs {
				tabs.SelectIndex(2) // Source, Filters, Encoder, Outputs
			}
		})
	})
	eventually(t, 60*time.Second, "the catalog lists libx264 as usable", func() bool {
		return strings.Contains(w.encoder.catalog.Text, "✓ libx264") && slices.Contains(w.encoder.encoder.Options, "libx264")
	})

	// Outputs: the default local server plus a recording.
	add := findButton(t, w.outputs.content, T("Recording"))
	var row *outputRow
	ui(func() {
		test.Tap(add)
		row = w.outputs.onlyRow(OutputRecord, ctrl)
		if row != nil {
			test.Type(selectAll(row.url), rec)
		}
	})
	if row == nil {
		t.Fatal("no recording row after tapping + Recording")
	}
	if outs := ctrl.Settings().Outputs; len(outs) != 2 || outs[1].Path != rec || !outs[1].Enabled {
		t.Fatalf("outputs %+v", outs)
	}

	// A filter switched on before going live is the starting chain.
	var gray, flip, blur *filterItem
	ui(func() {
		gray, flip, blur = w.filters.item("gray"), w.filters.item("flip"), w.filters.item("blur")
		test.Tap(gray.check)
	})
	if got := ctrl.Settings().Filters; !slices.Equal(got, []string{"gray"}) {
		t.Fatalf("filters %v after ticking gray", got)
	}

	ui(func() { test.Tap(w.goLive) })
	eventually(t, 20*time.Second, "session encoding", func() bool {
		s := ctrl.Session()
		return s != nil && s.Stats().Encoded > 15
	})
	sess := ctrl.Session()
	if got := filterNames(sess.Filters()); !slices.Equal(got, []string{"gray"}) {
		t.Errorf("live chain %v, want [gray]", got)
	}
	eventually(t, 5*time.Second, "Go Live turns into Stop", func() bool { return w.goLive.Text == T("Stop") })

	// Filters change live: flip on, then moved above gray.
	ui(func() { test.Tap(flip.check) })
	eventually(t, 5*time.Second, "flip in the live chain", func() bool {
		return slices.Equal(filterNames(sess.Filters()), []string{"gray", "flip"})
	})
	ui(func() {
		for slices.Index(w.filters.items, flip) > slices.Index(w.filters.items, gray) {
			w.filters.move(slices.Index(w.filters.items, flip), -1)
		}
	})
	eventually(t, 5*time.Second, "flip above gray", func() bool {
		return slices.Equal(filterNames(sess.Filters()), []string{"flip", "gray"})
	})
	// A parameter, then the switch: blur with a 5-pixel kernel.
	ui(func() {
		blur.params["k"] = "5"
		test.Tap(blur.check)
	})
	eventually(t, 5*time.Second, "blur:k=5 live", func() bool {
		return slices.ContainsFunc(sess.Filters(), func(s string) bool { return strings.HasPrefix(s, "blur:k=5") })
	})

	// Graphs and lights follow the session.
	eventually(t, 15*time.Second, "the sync graph has points and both outputs are live", func() bool {
		_, _, ok := w.graphs.sync.Current()
		live := 0
		for _, o := range ctrl.Snapshot().Outputs {
			if o.State == "live" {
				live++
			}
		}
		return ok && w.graphs.sync.PointsDrawn() > 0 && live == 2
	})
	eventually(t, 5*time.Second, "a bitrate line", func() bool { return w.graphs.rate.PointsDrawn() > 0 })
	eventually(t, 5*time.Second, "the recording row says live with a rate", func() bool {
		return strings.Contains(row.state.Text, T("live")) && strings.Contains(row.state.Text, "bit/s")
	})
	eventually(t, 5*time.Second, "the viewer URL shown", func() bool {
		return strings.HasPrefix(w.outputs.rows["local"].viewer.Text, "http://"+ctrl.ServerAddr)
	})
	eventually(t, 5*time.Second, "the preview shows frames", func() bool { return w.preview.Stats().Frames > 3 })
	// Off screen (another tab) the preview rests; back on the Studio it runs.
	ui(func() { w.tabs.SelectIndex(2) })
	time.Sleep(200 * time.Millisecond) // the frame in flight lands
	resting := w.preview.Stats().Frames
	time.Sleep(500 * time.Millisecond)
	if n := w.preview.Stats().Frames; n != resting {
		t.Errorf("preview drew %d frames while the Settings tab was shown", n-resting)
	}
	ui(func() { w.tabs.SelectIndex(0) })
	eventually(t, 5*time.Second, "the preview runs again on the Studio tab", func() bool { return w.preview.Stats().Frames > resting+3 })

	// The graphs' series export while live.
	export := filepath.Join(t.TempDir(), "g.json")
	if err := ctrl.ExportSeries(export); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		AVSync  []map[string]any            `json:"avsync"`
		Outputs map[string][]map[string]any `json:"outputs"`
	}
	if raw, err := os.ReadFile(export); err != nil || json.Unmarshal(raw, &doc) != nil || len(doc.AVSync) == 0 || len(doc.Outputs) != 1 {
		t.Errorf("exported graphs: %v, %d sync samples, outputs %v", err, len(doc.AVSync), len(doc.Outputs))
	}
	if err := ctrl.ExportSeries(filepath.Join(filepath.Dir(export), "g.csv")); err != nil {
		t.Fatal(err)
	}
	if csvs, _ := filepath.Glob(filepath.Join(filepath.Dir(export), "g-*.csv")); len(csvs) != 2 {
		t.Errorf("csv export wrote %v, want the sync series and the WebRTC output's", csvs)
	}

	// Encoder settings are fixed while live.
	var editable bool
	ui(func() { editable = !w.encoder.bitrate.Disabled() })
	if editable {
		t.Error("bitrate editable while live")
	}
	ui(func() { test.Tap(w.goLive) })
	eventually(t, 15*time.Second, "stopped", func() bool { return !ctrl.Live() && w.goLive.Text == T("Go Live") && !w.goLive.Disabled() })
	if st, err := os.Stat(rec); err != nil || st.Size() < 10_000 {
		t.Errorf("recording %s: %v", rec, err)
	}
	if got := ctrl.Settings().Filters; !slices.Equal(got, []string{"flip", "gray", "blur:k=5"}) {
		t.Errorf("saved chain %v", got)
	}
}

// Bad input is refused in the window with the CLI's words, next to the
// field and in the status bar; the app keeps going and can go live after.
func TestWindowShowsMistakesAndRecovers(t *testing.T) {
	w, ctrl := newTestWindow(t)
	add := findButton(t, w.outputs.content, "WHIP")
	var whip *outputRow
	ui(func() {
		test.Tap(add)
		whip = w.outputs.onlyRow(OutputWHIP, ctrl)
		test.Type(selectAll(whip.url), "https//no-colon")
		test.Tap(w.goLive)
	})
	eventually(t, 10*time.Second, "the bad URL named in the status bar and at its row", func() bool {
		return strings.Contains(w.status.Text, "bad output URL") && whip.errText.Visible() &&
			strings.Contains(whip.errText.Text, "bad output URL")
	})
	if ctrl.Live() {
		t.Fatal("live with a bad output")
	}
	// Switch that output off: going live now works.
	for _, o := range ctrl.Settings().Outputs {
		if o.Kind == OutputWHIP {
			w.outputs.edit(o.ID, func(x *settings.Output) { x.Enabled = false })
		}
	}
	ui(func() { test.Tap(w.goLive) })
	eventually(t, 20*time.Second, "live after the mistake", func() bool {
		s := ctrl.Session()
		return s != nil && s.Stats().Encoded > 5 && !strings.Contains(w.status.Text, T("Error"))
	})

	// A wrong bitrate is caught before anything opens.
	ui(func() { test.Tap(w.goLive) })
	eventually(t, 15*time.Second, "stopped", func() bool { return !ctrl.Live() && !w.encoder.bitrate.Disabled() && !w.goLive.Disabled() })
	ui(func() {
		test.Type(selectAll(w.encoder.bitrate), "fast")
		test.Tap(w.goLive)
	})
	eventually(t, 5*time.Second, "the bitrate mistake shown at the encoder", func() bool {
		return w.encoder.errText.Visible() && strings.Contains(w.encoder.errText.Text, `bitrate "fast"`)
	})
}

// An RTMP output to a closed port fails in the status bar while the local
// recording goes on to the end.
func TestWindowRTMPFailureKeepsRecording(t *testing.T) {
	w, ctrl := newTestWindow(t)
	rec := filepath.Join(t.TempDir(), "keep.mkv")
	ctrl.Update(func(s *settings.Settings) {
		s.Outputs = []settings.Output{
			{ID: "rec", Kind: OutputRecord, Path: rec, Enabled: true},
			{ID: "rtmp", Kind: OutputRTMP, URL: "rtmp://" + testenv.ClosedAddr(t) + "/live", Enabled: true},
		}
	})
	if err := ctrl.SetSecret("rtmp", "sekret-key-123"); err != nil {
		t.Fatal(err)
	}
	ui(func() {
		w.outputs.rebuild()
		test.Tap(w.goLive)
	})
	eventually(t, 20*time.Second, "the RTMP failure in the status bar and its row", func() bool {
		r := w.outputs.rows["rtmp"]
		return strings.Contains(w.status.Text, "cannot connect") && r.errText.Visible() &&
			stateColor("failed", nil) == r.light.FillColor
	})
	var status string
	ui(func() { status = w.status.Text })
	if strings.Contains(status, "sekret") {
		t.Errorf("stream key in the status bar: %q", status)
	}
	sess := ctrl.Session()
	if sess == nil {
		t.Fatal("session gone after one output failed")
	}
	before := sess.Stats().Encoded
	time.Sleep(time.Second) // a recording that goes on gains frames
	if after := sess.Stats().Encoded; after <= before+10 {
		t.Errorf("encoded %d → %d in a second: the recording stopped with the RTMP output", before, after)
	}
	ui(func() { test.Tap(w.goLive) })
	eventually(t, 15*time.Second, "stopped", func() bool { return !ctrl.Live() })
	if frames := countFrames(t, testenv.Tool(t, "ffprobe"), rec); frames < 30 {
		t.Errorf("recording holds %d frames, want every frame of the run", frames)
	}
}

func findButton(t *testing.T, root fyne.CanvasObject, text string) *widget.Button {
	t.Helper()
	var found *widget.Button
	ui(func() {
		walk(root, func(o fyne.CanvasObject) {
			if b, ok := o.(*widget.Button); ok && b.Text == text && found == nil {
				found = b
			}
		})
	})
	if found == nil {
		t.Fatalf("no button %q", text)
	}
	return found
}

func walk(o fyne.CanvasObject, fn func(fyne.CanvasObject)) {
	fn(o)
	switch c := o.(type) {
	case *fyne.Container:
		for _, k := range c.Objects {
			walk(k, fn)
		}
	case fyne.Widget:
		if _, isButton := o.(*widget.Button); isButton {
			return
		}
		for _, k := range test.WidgetRenderer(c).Objects() {
			walk(k, fn)
		}
	}
}

// selectAll clears an entry so test.Type replaces its text.
func selectAll(e *widget.Entry) *widget.Entry {
	e.SetText("")
	return e
}

func countFrames(t *testing.T, ffprobe, path string) int {
	t.Helper()
	out, err := runTool(ffprobe, "-v", "error", "-count_frames", "-select_streams", "v:0",
		"-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path)
	if err != nil {
		t.Fatalf("ffprobe %s: %v: %s", path, err, out)
	}
	var n int
	fmt.Sscan(strings.TrimSpace(out), &n)
	return n
}

func runTool(name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	return string(out), err
}

// filterNames drops the parameters the session spells out in full.
func filterNames(specs []string) []string {
	out := make([]string, len(specs))
	for i, s := range specs {
		out[i], _, _ = strings.Cut(s, ":")
	}
	return out
}

// A GPU encoder that cannot open here falls back to libx264, and the
// status bar says so.
func TestUnusableEncoderFallsBackAndSaysSo(t *testing.T) {
	w, ctrl := newTestWindow(t)
	rec := filepath.Join(t.TempDir(), "gpu.mkv")
	ctrl.Update(func(s *settings.Settings) {
		s.Encoder = "h264_nvenc"
		s.Outputs = []settings.Output{{ID: "rec", Kind: OutputRecord, Path: rec, Enabled: true}}
	})
	ui(func() { test.Tap(w.goLive) })
	eventually(t, 20*time.Second, "live on libx264 with the fallback in the status bar", func() bool {
		s := ctrl.Session()
		if s == nil {
			return false
		}
		st := s.Stats()
		return st.Encoded > 5 && len(st.Encoders) == 1 && st.Encoders[0].Video == "libx264" &&
			strings.Contains(w.status.Text, "h264_nvenc is not usable here") && strings.Contains(w.status.Text, "libx264 instead")
	})
}

// The hotkeys: Ctrl+1 switches the first filter, Ctrl+P the preview,
// Ctrl+L goes live and stops.
func TestHotkeys(t *testing.T) {
	w, ctrl := newTestWindow(t)
	ctrl.Update(func(s *settings.Settings) {
		s.Outputs = []settings.Output{{ID: "rec", Kind: OutputRecord, Path: filepath.Join(t.TempDir(), "k.mkv"), Enabled: true}}
	})
	press := func(k fyne.KeyName) {
		ui(func() {
			w.win.Canvas().(fyne.Shortcutable).TypedShortcut(&desktop.CustomShortcut{KeyName: k, Modifier: fyne.KeyModifierShortcutDefault})
		})
	}
	var first string
	ui(func() { first = w.filters.items[0].info.Name })
	press(fyne.Key1)
	if got := ctrl.Settings().Filters; len(got) != 1 || !strings.HasPrefix(got[0], first) {
		t.Errorf("Ctrl+1: chain %v, want [%s]", got, first)
	}
	press(fyne.Key1)
	if got := ctrl.Settings().Filters; len(got) != 0 {
		t.Errorf("Ctrl+1 twice: chain %v, want none", got)
	}
	on := ctrl.Settings().Preview
	press(fyne.KeyP)
	if ctrl.Settings().Preview == on {
		t.Error("Ctrl+P did not switch the preview")
	}
	press(fyne.KeyL)
	eventually(t, 20*time.Second, "Ctrl+L went live", ctrl.Live)
	press(fyne.KeyL)
	eventually(t, 15*time.Second, "Ctrl+L stopped", func() bool { return !ctrl.Live() })
	if !strings.Contains(hotkeyHelp(), "Ctrl+L") || !strings.Contains(hotkeyHelp(), "Ctrl+9") {
		t.Errorf("help lists:\n%s", hotkeyHelp())
	}
}

// The preview rate cap in Settings applies at once and the preview goes on.
func TestPreviewRateCap(t *testing.T) {
	w, ctrl := newTestWindow(t)
	if got := w.previewRate(); got != 30 {
		t.Errorf("preview rate %d, want the source's 30", got)
	}
	ctrl.Update(func(s *settings.Settings) {
		s.Outputs = []settings.Output{{ID: "rec", Kind: OutputRecord, Path: filepath.Join(t.TempDir(), "r.mkv"), Enabled: true}}
		s.PreviewFPS = 10
	})
	ui(func() { w.restartPreview() })
	if got := w.previewRate(); got != 10 {
		t.Errorf("preview rate %d with a 10 fps cap", got)
	}
	ui(func() { test.Tap(w.goLive) })
	eventually(t, 20*time.Second, "frames in the preview", func() bool { return w.preview.Stats().Frames > 5 })
	time.Sleep(1500 * time.Millisecond)
	if fps := w.preview.Stats().FPS; fps > 12 {
		t.Errorf("preview at %.0f fps under a 10 fps cap", fps)
	}
}
