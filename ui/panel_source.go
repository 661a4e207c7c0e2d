package ui

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/onair-dev/onair/pipeline"
	"github.com/onair-dev/onair/ui/settings"
)

// sourcePanel picks what goes live: the test pattern, a camera (with a
// microphone), a screen, or a URL/file with a probe summary.
type sourcePanel struct {
	w       *Window
	content fyne.CanvasObject
	kind    *widget.RadioGroup
	device  *widget.Select
	mic     *widget.Select
	input   *widget.Entry
	probe   *widget.Button
	summary *widget.Label
	errText *widget.Label

	devices []pipeline.Device
}

var sourceKinds = []string{SourceTestPattern, SourceCamera, SourceScreen, SourceInput}

func sourceLabel(k string) string {
	switch k {
	case SourceTestPattern:
		return T("Test pattern (sync flashes and beeps)")
	case SourceCamera:
		return T("Camera")
	case SourceScreen:
		return T("Screen")
	}
	return T("URL or file (RTMP, HLS, RTSP, SRT, mp4, mkv)")
}

func newSourcePanel(w *Window) *sourcePanel {
	p := &sourcePanel{w: w}
	labels := make([]string, len(sourceKinds))
	for i, k := range sourceKinds {
		labels[i] = sourceLabel(k)
	}
	set := w.ctrl.Settings()
	p.kind = widget.NewRadioGroup(labels, func(l string) {
		for _, k := range sourceKinds {
			if sourceLabel(k) == l {
				w.ctrl.Update(func(s *settings.Settings) { s.Source = k })
			}
		}
		p.enable()
	})
	p.kind.Required = true
	p.device = widget.NewSelect(nil, func(label string) {
		w.ctrl.Update(func(s *settings.Settings) { s.Device = label })
	})
	p.device.PlaceHolder = T("(first found)")
	p.mic = widget.NewSelect(nil, func(label string) {
		if label == T("None") {
			label = ""
		} else if label == T("Default microphone") {
			label = "default"
		}
		w.ctrl.Update(func(s *settings.Settings) { s.Microphone = label })
	})
	refresh := widget.NewButtonWithIcon(T("Refresh devices"), theme.ViewRefreshIcon(), p.refreshDevices)
	p.input = widget.NewEntry()
	p.input.SetPlaceHolder("rtmp://…, https://….m3u8, rtsp://…, srt://…, /path/file.mp4")
	p.input.SetText(set.Input)
	p.input.OnChanged = func(s string) {
		w.ctrl.Update(func(st *settings.Settings) { st.Input = s })
		p.summary.SetText("")
	}
	browse := widget.NewButtonWithIcon(T("Browse…"), theme.FolderOpenIcon(), func() {
		d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
			if err != nil || r == nil {
				return
			}
			r.Close()
			p.input.SetText(r.URI().Path())
			p.runProbe()
		}, w.win)
		d.Show()
	})
	p.probe = widget.NewButtonWithIcon(T("Probe"), theme.SearchIcon(), p.runProbe)
	p.summary = widget.NewLabel("")
	p.summary.Wrapping = fyne.TextWrapWord
	p.errText = errorLabel()

	p.content = container.NewVBox(
		widget.NewLabelWithStyle(T("Source"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		p.kind,
		widget.NewForm(
			widget.NewFormItem(T("Camera or screen"), p.device),
			widget.NewFormItem(T("Microphone"), p.mic),
		),
		refresh,
		widget.NewSeparator(),
		container.NewBorder(nil, nil, nil, container.NewHBox(browse, p.probe), p.input),
		p.summary,
		p.errText,
	)
	p.kind.SetSelected(sourceLabel(orDefault(set.Source, SourceTestPattern)))
	p.refreshDevices()
	return p
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func errorLabel() *widget.Label {
	l := widget.NewLabel("")
	l.Importance = widget.DangerImportance
	l.Wrapping = fyne.TextWrapWord
	l.Hide()
	return l
}

func showError(l *widget.Label, err error) {
	if err == nil {
		if l.Visible() {
			l.Hide()
		}
		return
	}
	setLabel(l, oneLine(err.Error()))
	if !l.Visible() {
		l.Show()
	}
}

// enable greys out what the chosen kind does not use.
func (p *sourcePanel) enable() {
	k := p.w.ctrl.Settings().Source
	dev := k == SourceCamera || k == SourceScreen
	setEnabled(p.device, dev)
	setEnabled(p.mic, dev)
	setEnabled(p.input, k == SourceInput)
	setEnabled(p.probe, k == SourceInput)
}

type disabler interface {
	Enable()
	Disable()
}

func setEnabled(d disabler, on bool) {
	if on {
		d.Enable()
	} else {
		d.Disable()
	}
}

// refreshDevices lists cameras, microphones and screens (in the background:
// opening drivers can take a moment).
func (p *sourcePanel) refreshDevices() {
	go func() {
		list, err := pipeline.Devices()
		p.w.do(func() {
			p.devices = list
			set := p.w.ctrl.Settings()
			var vids []string
			mics := []string{T("None"), T("Default microphone")}
			for _, d := range list {
				switch d.Kind {
				case pipeline.DeviceCamera, pipeline.DeviceScreen:
					vids = append(vids, d.Label)
				case pipeline.DeviceMicrophone:
					mics = append(mics, d.Label)
				}
			}
			p.device.SetOptions(vids)
			p.mic.SetOptions(mics)
			if set.Device != "" {
				p.device.SetSelected(set.Device)
			}
			switch set.Microphone {
			case "":
				p.mic.SetSelected(T("None"))
			case "default":
				p.mic.SetSelected(T("Default microphone"))
			default:
				p.mic.SetSelected(set.Microphone)
			}
			if err != nil {
				showError(p.errText, fmt.Errorf("%s: %w", T("Devices"), err))
			}
			p.enable()
		})
	}()
}

// runProbe shows what the input holds before going live.
func (p *sourcePanel) runProbe() {
	in := strings.TrimSpace(p.input.Text)
	if in == "" {
		showError(p.errText, fmt.Errorf("%s", T("no input: type a URL or pick a file")))
		return
	}
	p.summary.SetText(T("Probing…"))
	p.probe.Disable()
	go func() {
		r, err := pipeline.Probe(context.Background(), in, pipeline.DefaultProbeTimeout)
		p.w.do(func() {
			p.probe.Enable()
			if err != nil {
				p.summary.SetText("")
				showError(p.errText, err)
				return
			}
			showError(p.errText, nil)
			p.summary.SetText(ProbeSummary(r))
		})
	}()
}

// ProbeSummary is one line per stream: codec, size, rate.
func ProbeSummary(r *pipeline.ProbeResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s", r.Format)
	if r.Duration > 0 {
		fmt.Fprintf(&b, ", %.1f s", r.Duration.Seconds())
	}
	for _, s := range r.Streams {
		switch s.Kind {
		case "video":
			fmt.Fprintf(&b, "\n%s %s %dx%d %.2f fps", T("video"), s.Codec, s.Width, s.Height, s.FPS)
		case "audio":
			fmt.Fprintf(&b, "\n%s %s %d Hz %d ch", T("audio"), s.Codec, s.SampleRate, s.Channels)
		}
	}
	return b.String()
}

func (p *sourcePanel) show(v View) {
	if v.ErrField == "source" {
		showError(p.errText, v.Err)
	} else if v.Live {
		showError(p.errText, nil)
	}
	// The source is fixed while live (as in OBS, change it between go-lives).
	if v.Live {
		p.kind.Disable()
	} else {
		p.kind.Enable()
	}
}
