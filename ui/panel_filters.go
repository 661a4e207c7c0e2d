package ui

import (
	"fmt"
	"image/color"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/onair-dev/onair/pipeline"
	"github.com/onair-dev/onair/ui/settings"
)

// filterPanel lists every filter with an on/off switch, its place in the
// chain (up/down), its parameters and its cost per frame. Every change
// goes live at once through the session's hot swap.
type filterPanel struct {
	w       *Window
	content fyne.CanvasObject
	list    *fyne.Container
	errText *widget.Label
	items   []*filterItem
}

type filterItem struct {
	info   pipeline.FilterInfo
	on     bool
	params map[string]string // values that differ from the defaults
	check  *widget.Check
	cost   *widget.Label
}

func newFilterPanel(w *Window) *filterPanel {
	p := &filterPanel{w: w, list: container.NewVBox(), errText: errorLabel()}
	set := w.ctrl.Settings()
	byName := map[string]pipeline.FilterInfo{}
	for _, in := range pipeline.FilterCatalog() {
		byName[in.Name] = in
	}
	seen := map[string]bool{}
	take := func(spec string, on bool) {
		name, params := parseSpec(spec)
		in, ok := byName[name]
		if !ok || seen[name] {
			return
		}
		seen[name] = true
		p.items = append(p.items, &filterItem{info: in, on: on, params: params})
	}
	for _, s := range set.Filters {
		take(s, true)
	}
	for _, s := range set.FilterOff {
		take(s, false)
	}
	for _, in := range pipeline.FilterCatalog() {
		take(in.Name, false)
	}
	p.content = container.NewVBox(
		widget.NewLabelWithStyle(T("Filters (applied live, top to bottom)"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		p.errText,
		p.list,
	)
	p.rebuild()
	return p
}

// parseSpec splits "name:k=v,k2=v2" (values may escape , = \ with \).
func parseSpec(spec string) (string, map[string]string) {
	name, rest, _ := strings.Cut(spec, ":")
	params := map[string]string{}
	var key, cur strings.Builder
	inVal := false
	flush := func() {
		if key.Len() > 0 {
			params[key.String()] = cur.String()
		}
		key.Reset()
		cur.Reset()
		inVal = false
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		switch {
		case c == '\\' && i+1 < len(rest):
			i++
			if inVal {
				cur.WriteByte(rest[i])
			} else {
				key.WriteByte(rest[i])
			}
		case c == '=' && !inVal:
			inVal = true
		case c == ',':
			flush()
		case inVal:
			cur.WriteByte(c)
		default:
			key.WriteByte(c)
		}
	}
	flush()
	return name, params
}

// spec is the item as the filter registry reads it, parameters in the
// catalog's order.
func (it *filterItem) spec() string {
	var parts []string
	for _, pr := range it.info.Params {
		if v, ok := it.params[pr.Name]; ok && v != pr.Default {
			parts = append(parts, pr.Name+"="+escapeValue(v))
		}
	}
	if len(parts) == 0 {
		return it.info.Name
	}
	return it.info.Name + ":" + strings.Join(parts, ",")
}

func escapeValue(v string) string {
	r := strings.NewReplacer(`\`, `\\`, `,`, `\,`, `=`, `\=`)
	return r.Replace(v)
}

// chain is the specs of the switched-on filters, in order.
func (p *filterPanel) chain() []string {
	var specs []string
	for _, it := range p.items {
		if it.on {
			specs = append(specs, it.spec())
		}
	}
	return specs
}

// apply sends the chain to the session (live) and the settings.
func (p *filterPanel) apply() {
	var off []string
	for _, it := range p.items {
		if !it.on {
			off = append(off, it.spec())
		}
	}
	p.w.ctrl.Update(func(s *settings.Settings) { s.FilterOff = off })
	showError(p.errText, p.w.ctrl.SetFilters(p.chain()))
}

// Toggle switches filter i (0-based, in the list's order) on or off; the
// hotkeys Ctrl+1…9 call it.
func (p *filterPanel) Toggle(i int) {
	if i >= 0 && i < len(p.items) {
		p.items[i].check.SetChecked(!p.items[i].on)
	}
}

func (p *filterPanel) move(i, by int) {
	j := i + by
	if j < 0 || j >= len(p.items) {
		return
	}
	p.items[i], p.items[j] = p.items[j], p.items[i]
	p.rebuild()
	p.apply()
}

func (p *filterPanel) rebuild() {
	p.list.RemoveAll()
	for i, it := range p.items {
		p.list.Add(p.row(i, it))
	}
	p.list.Refresh()
}

func (p *filterPanel) row(i int, it *filterItem) fyne.CanvasObject {
	label := it.info.Name
	if i < 9 {
		label = fmt.Sprintf("%s  (Ctrl+%d)", it.info.Name, i+1)
	}
	it.check = widget.NewCheck(label, func(on bool) {
		if on == it.on {
			return
		}
		it.on = on
		p.apply()
	})
	it.check.SetChecked(it.on)
	it.cost = widget.NewLabel("")
	up := widget.NewButtonWithIcon("", theme.MoveUpIcon(), func() { p.move(i, -1) })
	down := widget.NewButtonWithIcon("", theme.MoveDownIcon(), func() { p.move(i, +1) })
	if i == 0 {
		up.Disable()
	}
	if i == len(p.items)-1 {
		down.Disable()
	}
	head := container.NewBorder(nil, nil, nil, container.NewHBox(it.cost, up, down), it.check)
	summary := widget.NewLabel(it.info.Summary)
	summary.Wrapping = fyne.TextWrapWord
	summary.TextStyle.Italic = true
	if len(it.info.Params) == 0 {
		return container.NewVBox(head, summary, widget.NewSeparator())
	}
	form := widget.NewForm()
	for _, pr := range it.info.Params {
		form.Append(pr.Name, p.control(it, pr))
	}
	acc := widget.NewAccordion(widget.NewAccordionItem(T("Parameters"), container.NewVBox(summary, form)))
	return container.NewVBox(head, acc, widget.NewSeparator())
}

// control is the editor for one parameter: a slider for numbers, a colour
// picker, a file picker for images, a choice, a switch or a text field.
func (p *filterPanel) control(it *filterItem, pr pipeline.FilterParam) fyne.CanvasObject {
	value := pr.Default
	if v, ok := it.params[pr.Name]; ok {
		value = v
	}
	set := func(v string) {
		it.params[pr.Name] = v
		p.apply() // an off filter's values are remembered for when it is switched on
	}
	switch pr.Kind {
	case pipeline.ParamInt, pipeline.ParamFloat:
		lo, err1 := strconv.ParseFloat(pr.Min, 64)
		hi, err2 := strconv.ParseFloat(pr.Max, 64)
		if err1 != nil || err2 != nil || hi <= lo {
			break
		}
		s := widget.NewSlider(lo, hi)
		if pr.Kind == pipeline.ParamInt {
			s.Step = 1
		} else {
			s.Step = (hi - lo) / 100
		}
		cur, _ := strconv.ParseFloat(value, 64)
		s.SetValue(cur)
		shown := widget.NewLabel(value)
		format := func(f float64) string {
			if pr.Kind == pipeline.ParamInt {
				n := int(f + 0.5)
				if pr.Name == "k" && n%2 == 0 { // blur kernels are odd
					n++
				}
				return strconv.Itoa(n)
			}
			return strconv.FormatFloat(f, 'f', 2, 64)
		}
		s.OnChanged = func(f float64) { shown.SetText(format(f)) }
		s.OnChangeEnded = func(f float64) { set(format(f)) }
		s.SetValue(cur)
		return container.NewBorder(nil, nil, nil, shown, s)
	case pipeline.ParamColor:
		b := widget.NewButton("#"+value, nil)
		b.OnTapped = func() {
			d := dialog.NewColorPicker(pr.Name, pr.Help, func(c color.Color) {
				r, g, bl, _ := c.RGBA()
				hex := fmt.Sprintf("%02x%02x%02x", r>>8, g>>8, bl>>8)
				b.SetText("#" + hex)
				set(hex)
			}, p.w.win)
			d.Advanced = true
			d.Show()
		}
		return b
	case pipeline.ParamPath:
		e := widget.NewEntry()
		e.SetText(value)
		e.SetPlaceHolder(pr.Help)
		e.OnSubmitted = set
		browse := widget.NewButtonWithIcon("", theme.FolderOpenIcon(), func() {
			d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
				if err != nil || r == nil {
					return
				}
				r.Close()
				e.SetText(r.URI().Path())
				set(r.URI().Path())
			}, p.w.win)
			d.SetFilter(storage.NewExtensionFileFilter([]string{".png", ".jpg", ".jpeg", ".bmp", ".webp"}))
			d.Show()
		})
		return container.NewBorder(nil, nil, nil, browse, e)
	case pipeline.ParamBool:
		c := widget.NewCheck("", func(b bool) { set(strconv.FormatBool(b)) })
		c.Checked = value == "true"
		return c
	}
	if len(pr.Choices) > 0 {
		s := widget.NewSelect(pr.Choices, set)
		s.Selected = value
		return s
	}
	e := widget.NewEntry()
	e.SetText(value)
	e.SetPlaceHolder(pr.Help)
	e.OnSubmitted = set
	return e
}

func (p *filterPanel) show(v View) {
	if v.ErrField == "filters" || v.ErrField == "filter" {
		showError(p.errText, v.Err)
	}
	costs := map[string]pipeline.Cost{}
	if sess := p.w.ctrl.Session(); sess != nil {
		for _, c := range sess.FilterCosts() {
			name, _, _ := strings.Cut(c.Name, ":")
			costs[name] = c
		}
	}
	for _, it := range p.items {
		if c, ok := costs[it.info.Name]; ok && it.on && c.Samples > 0 {
			setLabel(it.cost, fmt.Sprintf("%.1f ms", float64(c.P50.Microseconds())/1000))
		} else {
			setLabel(it.cost, "")
		}
	}
}
