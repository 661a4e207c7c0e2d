package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/onair-dev/onair/pipeline"
	"github.com/onair-dev/onair/telemetry"
	"github.com/onair-dev/onair/ui/graph"
)

// qaPanel measures the A/V sync of any input carrying flashes and beeps:
// the offset of every event as it is found, then mean, spread and drift,
// exportable as CSV or JSON (the same numbers as `onair analyze`).
type qaPanel struct {
	w        *Window
	content  fyne.CanvasObject
	input    *widget.Entry
	duration *widget.Entry
	run      *widget.Button
	events   *widget.List
	summary  *widget.Label
	errText  *widget.Label
	chart    *graph.Chart
	export   *widget.Button

	mu     sync.Mutex
	stop   context.CancelFunc
	found  []pipeline.AnalyzeEvent
	result *pipeline.AnalyzeResult
	name   string
}

func newQAPanel(w *Window) *qaPanel {
	p := &qaPanel{w: w, errText: errorLabel()}
	p.input = widget.NewEntry()
	p.input.SetPlaceHolder(T("File or URL to measure (rtmp://…, https://….m3u8, file.mkv)"))
	p.duration = widget.NewEntry()
	p.duration.SetText("60")
	browse := widget.NewButtonWithIcon(T("Browse…"), theme.FolderOpenIcon(), func() {
		dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
			if err == nil && r != nil {
				r.Close()
				p.input.SetText(r.URI().Path())
			}
		}, w.win).Show()
	})
	p.run = widget.NewButtonWithIcon(T("Analyze"), theme.MediaPlayIcon(), p.toggle)
	p.run.Importance = widget.HighImportance
	p.events = widget.NewList(
		func() int { p.mu.Lock(); defer p.mu.Unlock(); return len(p.found) },
		func() fyne.CanvasObject { return widget.NewLabel("event 000  flash 0000.000 s  offset +000.00 ms") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			p.mu.Lock()
			defer p.mu.Unlock()
			if i < len(p.found) {
				e := p.found[i]
				o.(*widget.Label).SetText(fmt.Sprintf("%s %3d   flash %8.3f s   beep %8.3f s   %+8.2f ms",
					T("event"), e.Index, e.FlashAt.Seconds(), e.BeepAt.Seconds(), e.OffsetMs))
			}
		})
	p.summary = widget.NewLabel(T("Pick an input with flashes and beeps (onair's test pattern, or a clapper) and press Analyze."))
	p.summary.Wrapping = fyne.TextWrapWord
	p.chart = graph.New(T("Offset per event"), "ms")
	p.chart.SetWindow(time.Hour)
	p.export = widget.NewButtonWithIcon(T("Export…"), theme.DocumentSaveIcon(), p.exportDialog)
	p.export.Disable()
	top := container.NewVBox(
		container.NewBorder(nil, nil, nil, container.NewHBox(browse, p.run), p.input),
		widget.NewForm(widget.NewFormItem(T("Seconds to analyze (0: whole file)"), p.duration)),
		p.errText, p.summary,
		container.NewHBox(p.export),
	)
	p.content = container.NewBorder(top, nil, nil, nil, container.NewVSplit(p.chart, p.events))
	return p
}

func (p *qaPanel) toggle() {
	p.mu.Lock()
	running := p.stop != nil
	p.mu.Unlock()
	if running {
		// Ask and return: opening a URL may take until its timeout to
		// notice, and the window must not wait for it. finish re-enables.
		p.cancel()
		p.run.Disable()
		return
	}
	p.start()
}

// start analyses the input in the background; events appear as found.
func (p *qaPanel) start() {
	in := strings.TrimSpace(p.input.Text)
	secs, err := parseSeconds(p.duration.Text)
	if in == "" {
		err = errors.New(T("no input: type a URL or pick a file"))
	}
	if err != nil {
		showError(p.errText, err)
		return
	}
	showError(p.errText, nil)
	ctx, cancel := context.WithCancel(context.Background())
	p.mu.Lock()
	p.stop, p.found, p.result = cancel, nil, nil
	p.mu.Unlock()
	p.run.SetText(T("Stop"))
	p.run.SetIcon(theme.MediaStopIcon())
	p.export.Disable()
	p.summary.SetText(T("Analyzing…"))
	p.events.Refresh()
	go func() {
		res, name, err := pipeline.Analyze(ctx, in, 10*time.Second, secs, func(e pipeline.AnalyzeEvent) {
			p.mu.Lock()
			p.found = append(p.found, e)
			p.mu.Unlock()
			p.w.do(p.redraw)
		})
		p.w.do(func() { p.finish(res, name, err) })
	}()
}

func parseSeconds(s string) (time.Duration, error) {
	var v float64
	if _, err := fmt.Sscan(strings.TrimSpace(s), &v); err != nil || v < 0 {
		return 0, fmt.Errorf("%s %q", T("seconds to analyze: want a number such as 60, got"), s)
	}
	return time.Duration(v * float64(time.Second)), nil
}

func (p *qaPanel) redraw() {
	p.mu.Lock()
	pts := make([]graph.Point, len(p.found))
	for i, e := range p.found {
		pts[i] = graph.Point{T: e.FlashAt, V: e.OffsetMs}
	}
	n := len(p.found)
	p.mu.Unlock()
	p.chart.SetLines(graph.Line{Name: T("offset"), Color: palette[0], Points: pts})
	p.events.Refresh()
	if n > 0 {
		p.events.ScrollToBottom()
	}
}

func (p *qaPanel) finish(res pipeline.AnalyzeResult, name string, err error) {
	p.mu.Lock()
	p.stop = nil
	p.mu.Unlock()
	p.run.Enable()
	p.run.SetText(T("Analyze"))
	p.run.SetIcon(theme.MediaPlayIcon())
	p.redraw()
	if err != nil && !errors.Is(err, pipeline.ErrTooFewEvents) {
		showError(p.errText, err)
		p.summary.SetText("")
		return
	}
	p.mu.Lock()
	p.result, p.name = &res, name
	p.mu.Unlock()
	p.summary.SetText(Summary(res))
	if len(res.Events) > 0 {
		p.export.Enable()
	}
	if err != nil {
		showError(p.errText, err)
	}
}

// Summary is the QA result in one paragraph, the CLI's numbers.
func Summary(r pipeline.AnalyzeResult) string {
	s := fmt.Sprintf("%s %d (%s %d, %s %d)\n%s %+.2f ms, %s %.2f ms, min %+.2f ms, max %+.2f ms   (+ = %s)",
		T("events"), len(r.Events), T("flashes"), r.Flashes, T("beeps"), r.Beeps,
		T("mean offset"), r.MeanMs, T("spread (sd)"), r.StdMs, r.MinMs, r.MaxMs, T("audio early"))
	if r.DriftValid {
		s += fmt.Sprintf("\n%s %+.3f ms/min", T("drift"), r.DriftMsPerMin)
	} else {
		s += "\n" + T("drift not measurable: needs at least 3 events")
	}
	return s
}

// cancel asks a running analysis to end, without waiting for it.
func (p *qaPanel) cancel() {
	p.mu.Lock()
	stop := p.stop
	p.mu.Unlock()
	if stop != nil {
		stop()
	}
}

func (p *qaPanel) exportDialog() {
	d := dialog.NewFileSave(func(wc fyne.URIWriteCloser, err error) {
		if err != nil || wc == nil {
			return
		}
		path := wc.URI().Path()
		wc.Close()
		if err := p.Export(path); err != nil {
			showError(p.errText, err)
		}
	}, p.w.win)
	d.SetFileName("onair-sync.csv")
	d.Show()
}

// Export writes the last result as .csv (events) or .json (events and summary).
func (p *qaPanel) Export(path string) error {
	p.mu.Lock()
	res, name := p.result, p.name
	p.mu.Unlock()
	if res == nil {
		return errors.New(T("nothing to export yet: analyze an input first"))
	}
	fill := res.WriteCSV
	if strings.HasSuffix(strings.ToLower(path), ".json") {
		fill = func(w io.Writer) error { return res.WriteJSON(w, name) }
	}
	return telemetry.WriteFile(path, fill)
}
