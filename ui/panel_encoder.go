package ui

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/onair-dev/onair/pipeline"
	"github.com/onair-dev/onair/ui/settings"
)

// encoderPanel chooses the video encoder from the catalog (each encoder
// really opened here; the unusable ones listed with why) and its settings.
type encoderPanel struct {
	w        *Window
	content  fyne.CanvasObject
	encoder  *widget.Select
	bitrate  *widget.Entry
	keyint   *widget.Entry
	preset   *widget.Select
	size     *widget.Select
	fps      *widget.Select
	catalog  *widget.Label
	errText  *widget.Label
	entries  []pipeline.EncoderEntry
	controls []disabler
	loading  sync.Once
}

// load starts the catalog probe once, in the background.
func (p *encoderPanel) load() { p.loading.Do(func() { go p.loadCatalog() }) }

var (
	presets = []string{"ultrafast", "superfast", "veryfast", "faster", "fast", "medium"}
	sizes   = []string{"1920x1080", "1280x720", "960x540", "854x480", "640x360"}
	rates   = []string{"24", "25", "30", "50", "60"}
)

func newEncoderPanel(w *Window) *encoderPanel {
	p := &encoderPanel{w: w}
	set := w.ctrl.Settings()
	p.encoder = widget.NewSelect([]string{"auto", "libx264"}, func(name string) {
		w.ctrl.Update(func(s *settings.Settings) { s.Encoder = name })
	})
	p.encoder.SetSelected(orDefault(set.Encoder, "libx264"))
	p.bitrate = widget.NewEntry()
	p.bitrate.SetText(set.Bitrate)
	p.bitrate.OnChanged = func(s string) { w.ctrl.Update(func(st *settings.Settings) { st.Bitrate = s }) }
	p.keyint = widget.NewEntry()
	p.keyint.SetText(strconv.FormatFloat(set.KeyframeSec, 'f', -1, 64))
	p.keyint.OnChanged = func(s string) {
		v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || v <= 0 || v > 20 {
			showError(p.errText, fmt.Errorf("%s", T("keyframe interval: want seconds between 0.1 and 20, e.g. 2")))
			return
		}
		showError(p.errText, nil)
		w.ctrl.Update(func(st *settings.Settings) { st.KeyframeSec = v })
	}
	p.preset = widget.NewSelect(presets, func(s string) { w.ctrl.Update(func(st *settings.Settings) { st.Preset = s }) })
	p.preset.SetSelected(orDefault(set.Preset, "veryfast"))
	p.size = widget.NewSelect(sizes, func(s string) { w.ctrl.Update(func(st *settings.Settings) { st.Size = s }) })
	p.size.SetSelected(orDefault(set.Size, "1280x720"))
	p.fps = widget.NewSelect(rates, func(s string) {
		n, _ := strconv.Atoi(s)
		w.ctrl.Update(func(st *settings.Settings) { st.FPS = n })
	})
	p.fps.SetSelected(strconv.Itoa(max(set.FPS, 1)))
	p.catalog = widget.NewLabel(T("Testing encoders…"))
	p.catalog.Wrapping = fyne.TextWrapWord
	p.errText = errorLabel()
	p.controls = []disabler{p.encoder, p.bitrate, p.keyint, p.preset, p.size, p.fps}

	p.content = container.NewVBox(
		widget.NewLabelWithStyle(T("Encoder"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		widget.NewForm(
			widget.NewFormItem(T("Video encoder"), p.encoder),
			widget.NewFormItem(T("Bitrate"), p.bitrate),
			widget.NewFormItem(T("Keyframe every (s)"), p.keyint),
			widget.NewFormItem(T("Preset"), p.preset),
			widget.NewFormItem(T("Resolution"), p.size),
			widget.NewFormItem(T("Frame rate"), p.fps),
		),
		p.errText,
		widget.NewSeparator(),
		widget.NewLabelWithStyle(T("Encoders on this machine"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		p.catalog,
	)
	return p
}

// loadCatalog opens every encoder once (a GPU encoder that is listed but
// cannot open is shown with FFmpeg's reason, and not offered).
func (p *encoderPanel) loadCatalog() {
	v := pipeline.DefaultVideo()
	list := pipeline.Encoders(v)
	p.w.do(func() {
		p.entries = list
		opts := []string{"auto"}
		var b strings.Builder
		for _, e := range list {
			kind := T("software")
			if e.Hardware != "" {
				kind = "GPU " + e.Hardware
			}
			if e.Usable {
				opts = append(opts, e.Name)
				fmt.Fprintf(&b, "✓ %s (%s, %s)\n", e.Name, e.Codec, kind)
			} else {
				fmt.Fprintf(&b, "✗ %s (%s, %s): %s\n", e.Name, e.Codec, kind, oneLine(e.Reason))
			}
		}
		if name, why := pipeline.PickEncoder(v); name != "" {
			fmt.Fprintf(&b, "auto → %s (%s)", name, why)
		}
		// Show the saved choice without writing it back: a remembered GPU
		// encoder that is not usable now stays chosen, and going live
		// falls back to libx264 and says so.
		cb := p.encoder.OnChanged
		p.encoder.OnChanged = nil
		p.encoder.SetOptions(opts)
		p.encoder.Selected = p.w.ctrl.Settings().Encoder
		p.encoder.Refresh()
		p.encoder.OnChanged = cb
		p.catalog.SetText(strings.TrimSpace(b.String()))
	})
}

func (p *encoderPanel) show(v View) {
	switch v.ErrField {
	case "encoder", "video", "size", "bitrate":
		showError(p.errText, v.Err)
	}
	// Encoder settings are fixed while live, as in OBS.
	for _, c := range p.controls {
		setEnabled(c, !v.Live)
	}
}
