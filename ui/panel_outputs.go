package ui

import (
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/onair-dev/onair/ui/settings"
)

// outputPanel lists the outputs, several at once, OBS style: the built-in
// server (with its viewer URL), WHIP (URL + token), RTMP/RTMPS (server +
// stream key) and local recordings, each with a status light, its bitrate
// and its error.
type outputPanel struct {
	w       *Window
	content *fyne.Container
	list    *fyne.Container
	summary *widget.Label // next to Go Live: what goes where
	rows    map[string]*outputRow
}

type outputRow struct {
	id      string
	box     fyne.CanvasObject
	light   *canvas.Circle
	state   *widget.Label
	errText *widget.Label
	url     *widget.Entry
	secret  *widget.Entry
	open    *widget.Button
	viewer  *widget.Label
	edits   []disabler
}

func newOutputPanel(w *Window) *outputPanel {
	p := &outputPanel{w: w, list: container.NewVBox(), rows: map[string]*outputRow{}, summary: widget.NewLabel("")}
	p.summary.Truncation = fyne.TextTruncateEllipsis
	add := func(kind string) func() {
		return func() { p.add(kind) }
	}
	p.content = container.NewVBox(
		widget.NewLabelWithStyle(T("Outputs"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		p.list,
		container.NewGridWithColumns(2,
			widget.NewButtonWithIcon(T("Local server"), theme.ContentAddIcon(), add(OutputLocal)),
			widget.NewButtonWithIcon("WHIP", theme.ContentAddIcon(), add(OutputWHIP)),
			widget.NewButtonWithIcon("RTMP / RTMPS", theme.ContentAddIcon(), add(OutputRTMP)),
			widget.NewButtonWithIcon(T("Recording"), theme.ContentAddIcon(), add(OutputRecord)),
		),
	)
	p.rebuild()
	return p
}

// add appends an output of kind, switched on.
func (p *outputPanel) add(kind string) {
	id := fmt.Sprintf("out-%d", time.Now().UnixNano())
	o := settings.Output{ID: id, Kind: kind, Enabled: true}
	if kind == OutputRecord {
		o.Path = defaultRecordingPath()
	}
	p.w.ctrl.Update(func(s *settings.Settings) { s.Outputs = append(s.Outputs, o) })
	p.rebuild()
}

func (p *outputPanel) remove(id string) {
	p.w.ctrl.SetSecret(id, "")
	p.w.ctrl.Update(func(s *settings.Settings) {
		for i, o := range s.Outputs {
			if o.ID == id {
				s.Outputs = append(s.Outputs[:i], s.Outputs[i+1:]...)
				break
			}
		}
	})
	p.rebuild()
}

func (p *outputPanel) edit(id string, fn func(*settings.Output)) {
	p.w.ctrl.Update(func(s *settings.Settings) {
		for i := range s.Outputs {
			if s.Outputs[i].ID == id {
				fn(&s.Outputs[i])
			}
		}
	})
}

func (p *outputPanel) rebuild() {
	p.list.RemoveAll()
	p.rows = map[string]*outputRow{}
	for _, o := range p.w.ctrl.Settings().Outputs {
		r := p.row(o)
		p.rows[o.ID] = r
		p.list.Add(r.box)
	}
	p.list.Refresh()
	p.show(p.w.ctrl.Snapshot())
}

func kindTitle(kind string) string {
	switch kind {
	case OutputLocal:
		return T("Built-in server (watch in a browser)")
	case OutputWHIP:
		return "WebRTC (WHIP)"
	case OutputRTMP:
		return "RTMP / RTMPS"
	case OutputRecord:
		return T("Recording")
	}
	return kind
}

func (p *outputPanel) row(o settings.Output) *outputRow {
	r := &outputRow{id: o.ID, light: canvas.NewCircle(theme.Color(theme.ColorNameDisabled)),
		state: widget.NewLabel(""), errText: errorLabel()}
	on := widget.NewCheck(kindTitle(o.Kind), func(b bool) { p.edit(o.ID, func(x *settings.Output) { x.Enabled = b }) })
	on.SetChecked(o.Enabled)
	del := widget.NewButtonWithIcon("", theme.DeleteIcon(), func() { p.remove(o.ID) })
	head := container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(12, 12), r.light), container.NewHBox(r.state, del), on)
	r.edits = []disabler{on, del}
	var body []fyne.CanvasObject
	switch o.Kind {
	case OutputLocal:
		r.viewer = widget.NewLabel(T("starts with the first go-live"))
		r.viewer.Truncation = fyne.TextTruncateEllipsis
		r.open = widget.NewButtonWithIcon(T("Open in browser"), theme.ComputerIcon(), func() {
			if u := p.w.ctrl.ViewerURL(); u != "" {
				p.w.openURL(u)
				return
			}
			if _, err := p.w.ctrl.Server(); err != nil {
				p.w.ctrl.setError(o.ID, err)
				return
			}
			p.w.openURL(p.w.ctrl.ViewerURL())
		})
		body = append(body, container.NewBorder(nil, nil, nil, r.open, r.viewer))
	case OutputWHIP:
		r.url = widget.NewEntry()
		r.url.SetPlaceHolder("https://example.com/whip/endpoint")
		r.url.SetText(o.URL)
		r.url.OnChanged = func(s string) { p.edit(o.ID, func(x *settings.Output) { x.URL = strings.TrimSpace(s) }) }
		r.secret = p.secretEntry(o, T("Bearer token (kept in the system keyring)"))
		body = append(body, widget.NewForm(widget.NewFormItem("URL", r.url), widget.NewFormItem(T("Token"), r.secret)))
		r.edits = append(r.edits, r.url, r.secret)
	case OutputRTMP:
		r.url = widget.NewEntry()
		r.url.SetPlaceHolder("rtmp://live.example.com/app")
		r.url.SetText(o.URL)
		r.secret = p.secretEntry(o, T("Stream key (kept in the system keyring)"))
		r.url.OnChanged = func(s string) {
			// A full URL pasted with its key: keep the server, move the key
			// to the keyring, as OBS's server + key fields do.
			// Only into an empty key field: a server whose app has two
			// parts (Wowza's live/_definst_) must not replace a saved key.
			server, key := settings.SplitRTMP(strings.TrimSpace(s))
			if key != "" && r.secret.Text == "" && strings.Count(server, "/") >= 3 {
				r.url.SetText(server)
				r.secret.SetText(key)
				return
			}
			p.edit(o.ID, func(x *settings.Output) { x.URL = strings.TrimSpace(s) })
		}
		body = append(body, widget.NewForm(widget.NewFormItem(T("Server"), r.url), widget.NewFormItem(T("Stream key"), r.secret)))
		r.edits = append(r.edits, r.url, r.secret)
	case OutputRecord:
		r.url = widget.NewEntry()
		r.url.SetText(o.Path)
		r.url.OnChanged = func(s string) { p.edit(o.ID, func(x *settings.Output) { x.Path = strings.TrimSpace(s) }) }
		pick := widget.NewButtonWithIcon("", theme.FolderOpenIcon(), func() {
			// A folder, not a save dialog: Fyne's save writer would truncate
			// a file picked by mistake, and a recording is never overwritten.
			d := dialog.NewFolderOpen(func(dir fyne.ListableURI, err error) {
				if err != nil || dir == nil {
					return
				}
				name := filepath.Base(strings.TrimSpace(r.url.Text))
				if name == "." || name == "/" || name == "" {
					name = "onair.mkv"
				}
				r.url.SetText(filepath.Join(dir.Path(), name))
			}, p.w.win)
			d.Show()
		})
		body = append(body, container.NewBorder(nil, nil, nil, pick, r.url))
		r.edits = append(r.edits, r.url, pick)
	}
	r.box = container.NewVBox(head, container.NewVBox(body...), r.errText, widget.NewSeparator())
	return r
}

// secretEntry is a password field whose text goes to the keyring, never to
// the settings.
func (p *outputPanel) secretEntry(o settings.Output, hint string) *widget.Entry {
	e := widget.NewPasswordEntry()
	e.SetPlaceHolder(hint)
	if o.HasSecret {
		e.SetText(p.w.ctrl.Secret(o.ID))
	}
	e.OnChanged = func(s string) {
		if err := p.w.ctrl.SetSecret(o.ID, strings.TrimSpace(s)); err != nil {
			p.w.ctrl.setError(o.ID, err)
		}
	}
	return e
}

func (p *outputPanel) show(v View) {
	var live []string
	for _, o := range p.w.ctrl.Settings().Outputs {
		r := p.rows[o.ID]
		if r == nil {
			continue
		}
		ov := v.Outputs[o.ID]
		if c := stateColor(ov.State, ov.Err); c != r.light.FillColor {
			r.light.FillColor = c
			r.light.Refresh()
		}
		text := ""
		if ov.State != "" {
			text = T(ov.State)
			if ov.State == "live" {
				text += fmt.Sprintf(" · %s", formatRate(ov.Bitrate))
			}
			if ov.Dropped > 0 {
				text += fmt.Sprintf(" · %s %d", T("dropped"), ov.Dropped)
			}
		}
		setLabel(r.state, text)
		showError(r.errText, ov.Err)
		if r.viewer != nil && v.ViewerURL != "" {
			setLabel(r.viewer, v.ViewerURL)
		}
		for _, d := range r.edits {
			setEnabled(d, !v.Live)
		}
		if o.Enabled {
			live = append(live, kindTitle(o.Kind))
		}
	}
	if len(live) == 0 {
		setLabel(p.summary, T("No output switched on"))
	} else {
		setLabel(p.summary, T("To")+": "+strings.Join(live, ", "))
	}
}

func stateColor(state string, err error) color.Color {
	switch {
	case err != nil || state == "failed":
		return color.NRGBA{R: 0xe5, G: 0x2b, B: 0x2b, A: 0xff}
	case state == "live":
		return color.NRGBA{R: 0x2e, G: 0xb8, B: 0x4b, A: 0xff}
	case state == "connecting":
		return color.NRGBA{R: 0xf0, G: 0xb4, B: 0x29, A: 0xff}
	}
	return theme.Color(theme.ColorNameDisabled)
}

func formatRate(bps float64) string {
	switch {
	case bps >= 1e6:
		return fmt.Sprintf("%.2f Mbit/s", bps/1e6)
	case bps >= 1e3:
		return fmt.Sprintf("%.0f kbit/s", bps/1e3)
	}
	return fmt.Sprintf("%.0f bit/s", bps)
}

// defaultRecordingPath is ~/Videos/onair.mkv (or ~/onair.mkv); the recorder
// numbers the file instead of overwriting one.
func defaultRecordingPath() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return "onair.mkv"
	}
	if st, err := os.Stat(filepath.Join(home, "Videos")); err == nil && st.IsDir() {
		return filepath.Join(home, "Videos", "onair.mkv")
	}
	return filepath.Join(home, "onair.mkv")
}
