package ui

import (
	"encoding/json"
	"io"
	"time"

	"fyne.io/fyne/v2"

	"github.com/onair-dev/onair/telemetry"
	"github.com/onair-dev/onair/ui/preview"
)

// Rect is a widget's place in the window, in window pixels.
type Rect struct{ X, Y, W, H float32 }

// UIStats is what `onair gui --ui-stats FILE` writes every second, for
// benchmarks and the window acceptance test: the preview's own counters
// and where the main widgets are (so a test can click and crop).
type UIStats struct {
	At       time.Time     `json:"at"`
	Live     bool          `json:"live"`
	Captured uint64        `json:"captured"`
	Encoded  uint64        `json:"encoded"`
	Dropped  uint64        `json:"dropped"`
	Preview  preview.Stats `json:"preview"`
	// Scale is the canvas scale: a window pixel is Scale screen pixels.
	Scale   float32         `json:"scale"`
	Widgets map[string]Rect `json:"widgets"`
	// SyncPoints is how many points the A/V sync graph draws.
	SyncPoints int    `json:"sync_points"`
	Status     string `json:"status"`
}

// uiStats reads the figures; call on the Fyne goroutine.
func (w *Window) uiStats() UIStats {
	v := w.ctrl.Snapshot()
	st := UIStats{At: time.Now(), Live: v.Live, Captured: v.Captured, Encoded: v.Encoded, Dropped: v.Dropped,
		Preview: w.preview.Stats(), Widgets: map[string]Rect{}, SyncPoints: w.graphs.sync.PointsDrawn(), Status: w.status.Text}
	if c := w.win.Canvas(); c != nil {
		st.Scale = c.Scale()
	}
	d := fyne.CurrentApp().Driver()
	for name, o := range map[string]fyne.CanvasObject{"golive": w.goLive, "preview": w.preview, "sync_graph": w.graphs.sync, "status": w.status} {
		p := d.AbsolutePositionForObject(o)
		s := o.Size()
		st.Widgets[name] = Rect{p.X, p.Y, s.Width, s.Height}
	}
	return st
}

func writeUIStats(path string, st UIStats) error {
	return telemetry.WriteFile(path, func(wr io.Writer) error { return json.NewEncoder(wr).Encode(st) })
}
