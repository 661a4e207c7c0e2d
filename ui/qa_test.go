package ui

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/onair-dev/onair/pipeline"
)

// recordPattern writes seconds of the test pattern with its beep shifted
// by offset (+ = audio early) to an mkv, as fast as the encoder goes.
func recordPattern(t *testing.T, seconds int, offset time.Duration) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sync.mkv")
	v := pipeline.DefaultVideo()
	v.Width, v.Height, v.Bitrate = 320, 240, 600_000
	pr, err := pipeline.Prepare(pipeline.Plan{Video: v, Audio: pipeline.DefaultAudio(), Outputs: []string{"record:" + path},
		Duration: time.Duration(seconds) * time.Second, Unpaced: true, AVOffset: offset, NoFilters: true})
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	if err := pr.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := pr.Session.Wait(); err != nil {
		t.Fatal(err)
	}
	return path
}

// The QA tab measures a recording's offset event by event, sums it up in
// the CLI's numbers and exports them.
func TestQAMeasuresAndExports(t *testing.T) {
	w, _ := newTestWindow(t)
	src := recordPattern(t, 7, 40*time.Millisecond) // a flash and beep every 2 s: 3 events
	ui(func() {
		w.tabs.SelectIndex(1) // the QA tab, so its chart has a size
		w.qa.input.SetText(src)
		w.qa.duration.SetText("0")
		test.Tap(w.qa.run)
	})
	eventually(t, 60*time.Second, "the analysis finished with a summary", func() bool {
		return strings.Contains(w.qa.summary.Text, T("mean offset")) && w.qa.run.Text == T("Analyze")
	})
	var res *pipeline.AnalyzeResult
	var listed int
	ui(func() {
		res = w.qa.result
		listed = w.qa.events.Length()
	})
	if res == nil || len(res.Events) < 3 || listed != len(res.Events) {
		t.Fatalf("result %+v, %d rows listed", res, listed)
	}
	if math.Abs(res.MeanMs-40) > 2 {
		t.Errorf("mean offset %.2f ms, want +40 ± 2", res.MeanMs)
	}
	if !res.DriftValid || math.Abs(res.DriftMsPerMin) > 5 {
		t.Errorf("drift %+.2f ms/min (valid %v), want about 0", res.DriftMsPerMin, res.DriftValid)
	}
	var points int
	ui(func() { points = w.qa.chart.PointsDrawn() })
	if points < 2 {
		t.Errorf("offset chart draws %d points", points)
	}
	dir := t.TempDir()
	if err := w.qa.Export(filepath.Join(dir, "e.json")); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "e.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil || !strings.Contains(string(raw), "offset_ms") {
		t.Errorf("json export %v: %.200s", err, raw)
	}
	if err := w.qa.Export(filepath.Join(dir, "e.csv")); err != nil {
		t.Fatal(err)
	}
	if csv, _ := os.ReadFile(filepath.Join(dir, "e.csv")); strings.Count(string(csv), "\n") < len(res.Events)+1 {
		t.Errorf("csv export has %d lines for %d events", strings.Count(string(csv), "\n"), len(res.Events))
	}
	// A missing file is said next to the field; the tab keeps working.
	ui(func() {
		w.qa.input.SetText(filepath.Join(dir, "nope.mkv"))
		test.Tap(w.qa.run)
	})
	eventually(t, 20*time.Second, "the missing file named", func() bool {
		return w.qa.errText.Visible() && strings.Contains(w.qa.errText.Text, "nope.mkv") && w.qa.run.Text == T("Analyze")
	})
}
