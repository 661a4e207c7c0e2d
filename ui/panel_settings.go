package ui

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"

	"github.com/onair-dev/onair/telemetry"
	"github.com/onair-dev/onair/ui/settings"
)

// settingsPanel holds what is not about one go-live: language, preview,
// where keys are kept, and the hotkeys.
type settingsPanel struct {
	w       *Window
	content fyne.CanvasObject
	preview *widget.Check
	keyring *widget.Label
}

func newSettingsPanel(w *Window) *settingsPanel {
	p := &settingsPanel{w: w}
	set := w.ctrl.Settings()
	names := make([]string, len(Languages))
	current := ""
	for i, l := range Languages {
		names[i] = T(l.Name)
		if l.Tag == set.Language {
			current = names[i]
		}
	}
	langSel := widget.NewSelect(names, func(n string) {
		for i, l := range Languages {
			if names[i] == n {
				w.ctrl.Update(func(s *settings.Settings) { s.Language = l.Tag })
			}
		}
	})
	langSel.SetSelected(current)
	p.preview = widget.NewCheck(T("Show the preview (off saves CPU while live)"), func(on bool) {
		w.ctrl.Update(func(s *settings.Settings) { s.Preview = on })
		w.syncPreview()
	})
	p.preview.SetChecked(set.Preview)
	rates := []string{T("Source rate"), "15 fps", "10 fps", "5 fps"}
	caps := []int{0, 15, 10, 5}
	rateSel := widget.NewSelect(rates, func(r string) {
		for i, name := range rates {
			if name == r && w.ctrl.Settings().PreviewFPS != caps[i] {
				w.ctrl.Update(func(s *settings.Settings) { s.PreviewFPS = caps[i] })
				w.restartPreview()
			}
		}
	})
	for i, c := range caps {
		if c == set.PreviewFPS {
			rateSel.Selected = rates[i]
		}
	}
	p.keyring = widget.NewLabel("")
	p.keyring.Wrapping = fyne.TextWrapWord
	if w.ctrl.secrets != nil {
		if ok, err := w.ctrl.secrets.Available(); ok {
			p.keyring.SetText(T("Stream keys and tokens are kept in the system keyring."))
		} else {
			p.keyring.SetText(oneLine(err.Error()))
			p.keyring.Importance = widget.WarningImportance
		}
	}
	keys := widget.NewLabel(hotkeyHelp())
	p.content = container.NewVBox(
		widget.NewLabelWithStyle(T("Settings"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		widget.NewForm(widget.NewFormItem(T("Language (applies at the next start)"), langSel)),
		p.preview,
		widget.NewForm(widget.NewFormItem(T("Preview rate (lower saves CPU without a GPU)"), rateSel)),
		p.keyring,
		widget.NewSeparator(),
		widget.NewLabelWithStyle(T("Keyboard shortcuts"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		keys,
	)
	return p
}

// hotkey is one keyboard shortcut of the window.
type hotkey struct {
	key  fyne.KeyName
	what string
	do   func(w *Window)
}

func hotkeys() []hotkey {
	ks := []hotkey{
		{fyne.KeyL, T("Go live / stop"), func(w *Window) { w.toggleLive() }},
		{fyne.KeyP, T("Preview on / off"), func(w *Window) { w.settings.preview.SetChecked(!w.settings.preview.Checked) }},
	}
	digits := []fyne.KeyName{fyne.Key1, fyne.Key2, fyne.Key3, fyne.Key4, fyne.Key5, fyne.Key6, fyne.Key7, fyne.Key8, fyne.Key9}
	for i, k := range digits {
		ks = append(ks, hotkey{k, fmt.Sprintf(T("Filter %d on / off"), i+1), func(w *Window) { w.filters.Toggle(i) }})
	}
	return ks
}

func hotkeyHelp() string {
	var b strings.Builder
	for _, k := range hotkeys() {
		fmt.Fprintf(&b, "Ctrl+%s\t%s\n", k.key, k.what)
	}
	return strings.TrimSpace(b.String())
}

func (w *Window) addShortcuts() {
	for _, k := range hotkeys() {
		k := k
		w.win.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: k.key, Modifier: fyne.KeyModifierShortcutDefault},
			func(fyne.Shortcut) { k.do(w) })
	}
}

func (w *Window) menu() *fyne.MainMenu {
	file := fyne.NewMenu(T("File"),
		fyne.NewMenuItem(T("Export graphs as CSV…"), func() { w.exportDialog(".csv") }),
		fyne.NewMenuItem(T("Export graphs as JSON…"), func() { w.exportDialog(".json") }),
	)
	help := fyne.NewMenu(T("Help"),
		fyne.NewMenuItem(T("Keyboard shortcuts"), func() {
			dialog.ShowInformation(T("Keyboard shortcuts"), hotkeyHelp(), w.win)
		}),
		fyne.NewMenuItem(T("Open the viewer page"), func() {
			if u := w.ctrl.ViewerURL(); u != "" {
				w.openURL(u)
			} else {
				w.ctrl.setError("", errors.New(T("the built-in server starts with the first go-live to it")))
			}
		}),
	)
	return fyne.NewMainMenu(file, help)
}

func (w *Window) exportDialog(ext string) {
	d := dialog.NewFileSave(func(wc fyne.URIWriteCloser, err error) {
		if err != nil || wc == nil {
			return
		}
		path := wc.URI().Path()
		wc.Close()
		if err := w.ctrl.ExportSeries(path); err != nil {
			w.ctrl.setError("", err)
		}
	}, w.win)
	d.SetFileName("onair-graphs" + ext)
	d.Show()
}

// ExportSeries writes the graphs' series: .json as one document, .csv as
// one file per series (NAME-avsync.csv, NAME-<output>.csv).
func (c *Controller) ExportSeries(path string) error {
	sess := c.Session()
	if sess == nil {
		return errors.New(T("nothing to export: the graphs fill while live"))
	}
	net := sess.NetStats()
	if strings.EqualFold(filepath.Ext(path), ".json") {
		doc := map[string]any{"avsync": sess.AVSync().Samples()}
		outs := map[string]any{}
		for name, s := range net {
			outs[name] = s.Samples()
		}
		doc["outputs"] = outs
		return telemetry.WriteFile(path, func(wr io.Writer) error {
			enc := json.NewEncoder(wr)
			enc.SetIndent("", "  ")
			return enc.Encode(doc)
		})
	}
	base := strings.TrimSuffix(path, filepath.Ext(path))
	if err := telemetry.WriteFile(base+"-avsync.csv", sess.AVSync().WriteCSV); err != nil {
		return err
	}
	for name, s := range net {
		if err := telemetry.WriteFile(base+"-"+fileSafe(name)+".csv", s.WriteCSV); err != nil {
			return err
		}
	}
	return nil
}

// fileSafe turns an output name into a file-name part.
func fileSafe(name string) string {
	b := []byte(name)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			b[i] = '_'
		}
	}
	return string(b)
}
