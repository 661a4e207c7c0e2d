package ui

import (
	"fmt"
	"image/color"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/onair-dev/onair/ui/preview"
)

// Window is the onair main window: the studio (preview, Go Live, graphs
// and the source/filter/encoder/output panels), the QA view and settings.
type Window struct {
	app  fyne.App
	win  fyne.Window
	ctrl *Controller

	preview  *preview.Preview
	goLive   *widget.Button
	status   *widget.Label
	statusOn *canvas.Circle
	counters *widget.Label

	sources  *sourcePanel
	encoder  *encoderPanel
	outputs  *outputPanel
	filters  *filterPanel
	graphs   *graphPanel
	qa       *qaPanel
	settings *settingsPanel
	tabs     *container.AppTabs

	// statsPath, if set, receives UIStats every second (--ui-stats).
	statsPath string

	closing atomic.Bool // set on the Fyne goroutine before its loop ends

	shownOnce, shownLive bool // what show last drew of the live state
	stop                 chan struct{}
	stopOnce             sync.Once
	wg                   sync.WaitGroup
}

// NewWindow builds the window around ctrl; Show it, or drive it in tests.
func NewWindow(a fyne.App, ctrl *Controller) *Window {
	w := &Window{app: a, ctrl: ctrl, win: a.NewWindow("onair"), stop: make(chan struct{})}
	w.build()
	ctrl.OnChange = func() { w.do(w.refresh) }
	w.win.SetCloseIntercept(func() { w.closing.Store(true); w.win.Close() })
	w.win.SetOnClosed(w.Close)
	w.win.Resize(fyne.NewSize(1280, 820))
	return w
}

func (w *Window) build() {
	w.preview = preview.New()
	w.preview.SetDo(w.do)
	w.preview.SetSource(w.ctrl.LatestFrame)
	w.preview.SetEnabled(w.ctrl.Settings().Preview)

	w.goLive = widget.NewButtonWithIcon(T("Go Live"), theme.MediaPlayIcon(), w.toggleLive)
	w.goLive.Importance = widget.HighImportance
	w.statusOn = canvas.NewCircle(theme.Color(theme.ColorNameDisabled))
	w.status = widget.NewLabel(T("Ready: pick a source and outputs, then Go Live"))
	w.status.Truncation = fyne.TextTruncateEllipsis
	w.counters = widget.NewLabel("")

	w.sources = newSourcePanel(w)
	w.encoder = newEncoderPanel(w)
	w.outputs = newOutputPanel(w)
	w.filters = newFilterPanel(w)
	w.graphs = newGraphPanel(w)
	w.qa = newQAPanel(w)
	w.settings = newSettingsPanel(w)

	light := container.NewGridWrap(fyne.NewSize(14, 14), w.statusOn)
	statusBar := container.NewBorder(nil, nil, container.NewCenter(light), w.counters, w.status)
	liveRow := container.NewBorder(nil, nil, nil, w.goLive, w.outputs.summary)
	left := container.NewBorder(nil, container.NewVBox(liveRow, w.graphs.content), nil, nil, w.preview)
	side := container.NewAppTabs(
		container.NewTabItem(T("Source"), container.NewVScroll(w.sources.content)),
		container.NewTabItem(T("Filters"), container.NewVScroll(w.filters.content)),
		container.NewTabItem(T("Encoder"), container.NewVScroll(w.encoder.content)),
		container.NewTabItem(T("Outputs"), container.NewVScroll(w.outputs.content)),
	)
	// The catalog opens every encoder (hundreds of MiB for AV1 and VP9 at
	// 720p): only when someone looks at it, never in the way of a go-live.
	side.OnSelected = func(ti *container.TabItem) {
		if ti.Text == T("Encoder") {
			w.encoder.load()
		}
	}
	studio := container.NewHSplit(left, side)
	studio.Offset = 0.62
	w.tabs = container.NewAppTabs(
		container.NewTabItem(T("Studio"), studio),
		container.NewTabItem(T("A/V sync QA"), w.qa.content),
		container.NewTabItem(T("Settings"), container.NewVScroll(w.settings.content)),
	)
	// A preview nobody sees still repaints the window 30 times a second.
	w.tabs.OnSelected = func(*container.TabItem) { w.syncPreview() }
	w.win.SetContent(container.NewBorder(nil, container.NewPadded(statusBar), nil, nil, w.tabs))
	w.win.SetMainMenu(w.menu())
	w.addShortcuts()
	w.refresh()
}

// syncPreview runs the preview when it is switched on and on screen.
func (w *Window) syncPreview() {
	w.preview.SetEnabled(w.ctrl.Settings().Preview && (w.tabs == nil || w.tabs.SelectedIndex() == 0))
}

// Show opens the window and starts its refresh ticks.
func (w *Window) Show() {
	w.start()
	w.win.Show()
}

// start runs the ticks that redraw status and graphs while the window lives.
func (w *Window) start() {
	w.preview.Start(w.previewRate())
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		t := time.NewTicker(time.Second) // the graphs' data is 1 Hz
		defer t.Stop()
		for {
			select {
			case <-w.stop:
				return
			case <-t.C:
				v, s := w.ctrl.Snapshot(), w.ctrl.Series()
				w.do(func() {
					w.show(v, s)
					if w.statsPath != "" {
						if err := writeUIStats(w.statsPath, w.uiStats()); err != nil {
							w.ctrl.log.Warn("ui stats", "err", err)
						}
					}
				})
			}
		}
	}()
}

// previewRate is the source's frame rate, or the cap set in Settings.
func (w *Window) previewRate() int {
	set := w.ctrl.Settings()
	rate := 30
	if set.FPS > 0 {
		rate = set.FPS
	}
	if set.PreviewFPS > 0 && set.PreviewFPS < rate {
		rate = set.PreviewFPS
	}
	return rate
}

// restartPreview applies a new preview rate.
func (w *Window) restartPreview() {
	w.preview.Stop()
	w.preview.Start(w.previewRate())
}

// Close stops the ticks, the go-live and the built-in server.
func (w *Window) Close() {
	w.closing.Store(true)
	w.stopOnce.Do(func() {
		close(w.stop)
		w.wg.Wait()
		w.preview.Stop()
		w.qa.cancel()
		w.ctrl.Close()
	})
}

func (w *Window) toggleLive() {
	if w.goLive.Disabled() {
		return // a go-live or stop is under way (Ctrl+L pressed twice)
	}
	w.goLive.Disable() // one click, one go-live
	go func() {
		err := w.ctrl.Toggle()
		w.do(func() {
			w.goLive.Enable()
			if err != nil {
				w.refresh()
			}
		})
	}()
}

// refresh redraws what depends on state (not on the ticking counters).
func (w *Window) refresh() {
	v := w.ctrl.Snapshot()
	w.show(v, w.ctrl.Series())
}

func (w *Window) show(v View, s Series) {
	// Only what changed is touched: under software GL every refresh
	// repaints the whole window, which costs more than the encoder.
	if !w.shownOnce || v.Live != w.shownLive {
		w.shownOnce, w.shownLive = true, v.Live
		if v.Live {
			w.goLive.SetText(T("Stop"))
			w.goLive.SetIcon(theme.MediaStopIcon())
			w.goLive.Importance = widget.DangerImportance
			w.statusOn.FillColor = color.NRGBA{R: 0xe5, G: 0x2b, B: 0x2b, A: 0xff}
		} else {
			w.goLive.SetText(T("Go Live"))
			w.goLive.SetIcon(theme.MediaPlayIcon())
			w.goLive.Importance = widget.HighImportance
			w.statusOn.FillColor = theme.Color(theme.ColorNameDisabled)
		}
		w.goLive.Refresh()
		w.statusOn.Refresh()
	}
	text, importance := T("Ready: pick a source and outputs, then Go Live"), widget.MediumImportance
	switch {
	case v.Err != nil:
		text, importance = T("Error")+": "+oneLine(v.Err.Error()), widget.DangerImportance
	case v.Live && v.Notice != "":
		text, importance = T("Live")+" "+clock(v.Since)+" · "+v.Notice, widget.WarningImportance
	case v.Live:
		text = T("Live") + " " + clock(v.Since)
	}
	if w.status.Text != text || w.status.Importance != importance {
		w.status.Text, w.status.Importance = text, importance
		w.status.Refresh()
	}
	counters := ""
	if v.Live {
		counters = T("frames {{.Captured}} · encoded {{.Encoded}} · dropped {{.Dropped}}",
			map[string]any{"Captured": v.Captured, "Encoded": v.Encoded, "Dropped": v.Dropped})
	}
	setLabel(w.counters, counters)
	w.sources.show(v)
	w.encoder.show(v)
	w.outputs.show(v)
	w.filters.show(v)
	w.graphs.show(s)
}

// openURL opens u in the system browser.
func (w *Window) openURL(u string) {
	if p, err := url.Parse(u); err == nil {
		if err := w.app.OpenURL(p); err != nil {
			w.ctrl.setError("", err)
		}
	}
}

func clock(d time.Duration) string {
	d = d.Round(time.Second)
	return fmt.Sprintf("%02d:%02d:%02d", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60)
}

// oneLine keeps the first line of a message for the status bar.
func oneLine(s string) string {
	for i, r := range s {
		if r == '\n' {
			return s[:i]
		}
	}
	return s
}
