package graph

import (
	"fmt"
	"image/color"
	"math"
	"sort"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
)

var minSize = fyne.NewSize(260, 120)

// lineColors pick a colour for lines that have none, by index.
var lineColors = []fyne.ThemeColorName{theme.ColorNamePrimary, theme.ColorNameWarning,
	theme.ColorNameSuccess, theme.ColorNameError, theme.ColorNameForeground}

// renderer keeps pools of canvas objects that only grow to the largest count
// needed so far (segments are bounded by the plot width through decimation);
// unused ones are hidden, so refreshing allocates nothing in steady state.
type renderer struct {
	c *Chart

	title, yMax, yMin, xStart, xEnd, empty *canvas.Text
	axisX, axisY, zero, cursor             *canvas.Line
	tipBg                                  *canvas.Rectangle
	values, tips, bandLabels, thrLabels    []*canvas.Text
	bandRects                              []*canvas.Rectangle
	thrLines, segs                         []*canvas.Line
	objects                                []fyne.CanvasObject

	vis  [][]Point // each line's points inside the window
	buf  []Point   // decimated points of all lines
	ends []int     // end of each line in buf

	// geometry of the last update, shared by the mapping helpers
	lo, hi                 float64
	left, top, pw, ph      float32
	start, window          time.Duration
	fg, dim, sep, overlayC color.Color
	capSize, capH          float32
}

func newRenderer(c *Chart) *renderer {
	r := &renderer{c: c}
	r.title, r.yMax, r.yMin, r.xStart, r.xEnd = newText(), newText(), newText(), newText(), newText()
	r.title.TextStyle.Bold = true
	r.yMax.Alignment, r.yMin.Alignment = fyne.TextAlignTrailing, fyne.TextAlignTrailing
	r.xEnd.Alignment = fyne.TextAlignTrailing
	r.empty = newText()
	r.empty.Text, r.empty.Alignment = TextNoData, fyne.TextAlignCenter
	r.axisX, r.axisY, r.zero, r.cursor = newLine(), newLine(), newLine(), newLine()
	r.tipBg = canvas.NewRectangle(color.Transparent)
	r.tipBg.StrokeWidth, r.tipBg.CornerRadius = 1, 3
	r.rebuild()
	return r
}

func newText() *canvas.Text { return canvas.NewText("", color.Transparent) }
func newLine() *canvas.Line { return canvas.NewLine(color.Transparent) }
func newRect() *canvas.Rectangle {
	return canvas.NewRectangle(color.Transparent)
}

// grow extends a pool to n objects, hides the ones past n and reports growth.
func grow[T fyne.CanvasObject](pool []T, n int, mk func() T, changed *bool) []T {
	for len(pool) < n {
		pool = append(pool, mk())
		*changed = true
	}
	for _, o := range pool[n:] {
		hide(o)
	}
	return pool
}

// rebuild lists the objects back to front; only called when a pool changed.
func (r *renderer) rebuild() {
	o := make([]fyne.CanvasObject, 0, len(r.bandRects)+len(r.thrLines)+len(r.segs)+
		len(r.bandLabels)+len(r.thrLabels)+len(r.values)+len(r.tips)+12)
	for _, b := range r.bandRects {
		o = append(o, b)
	}
	o = append(o, r.zero, r.axisX, r.axisY)
	for _, l := range r.thrLines {
		o = append(o, l)
	}
	for _, l := range r.segs {
		o = append(o, l)
	}
	for _, ts := range [][]*canvas.Text{r.bandLabels, r.thrLabels, r.values} {
		for _, t := range ts {
			o = append(o, t)
		}
	}
	o = append(o, r.title, r.yMax, r.yMin, r.xStart, r.xEnd, r.empty, r.cursor, r.tipBg)
	for _, t := range r.tips {
		o = append(o, t)
	}
	r.objects = o
}

func (r *renderer) Objects() []fyne.CanvasObject { return r.objects }
func (r *renderer) MinSize() fyne.Size           { return minSize }
func (r *renderer) Destroy()                     {}
func (r *renderer) Layout(size fyne.Size)        { r.update(size) }

func (r *renderer) Refresh() {
	r.update(r.c.Size())
	canvas.Refresh(r.c)
}

// update recomputes every object from the chart's state for the given size.
func (r *renderer) update(size fyne.Size) {
	c := r.c
	th, variant := c.Theme(), fyne.CurrentApp().Settings().ThemeVariant()
	col := func(n fyne.ThemeColorName) color.Color { return th.Color(n, variant) }
	r.fg, r.dim, r.sep = col(theme.ColorNameForeground), col(theme.ColorNamePlaceHolder), col(theme.ColorNameSeparator)
	r.overlayC = col(theme.ColorNameOverlayBackground)
	pad, textSize := th.Size(theme.SizeNamePadding), th.Size(theme.SizeNameText)
	r.capSize = th.Size(theme.SizeNameCaptionText)
	r.capH = fyne.MeasureText("0", r.capSize, fyne.TextStyle{}).Height
	changed := false

	// The window ends at the newest point across lines.
	var end time.Duration
	first := true
	for _, l := range c.lines {
		if n := len(l.Points); n > 0 && (first || l.Points[n-1].T > end) {
			end, first = l.Points[n-1].T, false
		}
	}
	r.start, r.window = end-c.window, c.window
	r.vis = r.vis[:0]
	for _, l := range c.lines {
		i := sort.Search(len(l.Points), func(i int) bool { return l.Points[i].T >= r.start })
		r.vis = append(r.vis, l.Points[i:])
	}
	hasData := !first
	r.lo, r.hi = r.yRange()
	signed := r.lo < 0

	// Header: title, then each line's newest value in its colour.
	setText(r.title, c.title, r.fg, textSize, fyne.NewPos(pad, pad))
	x := pad + r.title.MinSize().Width + 2*pad
	r.values = grow(r.values, len(c.lines), newText, &changed)
	for i, l := range c.lines {
		if len(r.vis[i]) == 0 { // nothing in the window: no current value to claim
			hide(r.values[i])
			continue
		}
		setText(r.values[i], c.valueText(i, l.Points[len(l.Points)-1].V, signed), r.lineColor(i, col), textSize, fyne.NewPos(x, pad))
		x += r.values[i].MinSize().Width + 3*pad
	}

	// Plot area: y labels on the left, x labels below.
	r.top = pad + r.title.MinSize().Height + pad
	bottom := size.Height - pad - r.capH
	r.ph = bottom - r.top
	r.yMax.Text, r.yMin.Text = c.withUnit(fmtNum(r.hi, signed)), c.withUnit(fmtNum(r.lo, signed))
	labW := max(fyne.MeasureText(r.yMax.Text, r.capSize, fyne.TextStyle{}).Width,
		fyne.MeasureText(r.yMin.Text, r.capSize, fyne.TextStyle{}).Width)
	r.left = pad + labW + pad
	right := size.Width - pad
	r.pw = right - r.left
	tiny := r.pw < 1 || r.ph < 1
	r.caption(r.yMax, r.yMax.Text, r.dim, fyne.NewPos(pad, r.top), labW)
	r.caption(r.yMin, r.yMin.Text, r.dim, fyne.NewPos(pad, bottom-r.capH), labW)
	placeLine(r.axisY, r.dim, 1, fyne.NewPos(r.left, r.top), fyne.NewPos(r.left, bottom))
	placeLine(r.axisX, r.dim, 1, fyne.NewPos(r.left, bottom), fyne.NewPos(right, bottom))
	if r.lo < 0 && r.hi > 0 {
		placeLine(r.zero, r.sep, 1, fyne.NewPos(r.left, r.y(0)), fyne.NewPos(right, r.y(0)))
	} else {
		hide(r.zero)
	}
	if hasData {
		r.caption(r.xStart, "-"+fmtSpan(r.window), r.dim, fyne.NewPos(r.left, bottom), 0)
		r.caption(r.xEnd, fmtClock(end), r.dim, fyne.NewPos(r.left, bottom), r.pw)
	} else {
		hide(r.xStart)
		hide(r.xEnd)
	}

	r.bandRects = grow(r.bandRects, len(c.bands), newRect, &changed)
	r.bandLabels = grow(r.bandLabels, len(c.bands), newText, &changed)
	for i, b := range c.bands {
		lo, hi := max(min(b.Lo, b.Hi), r.lo), min(max(b.Lo, b.Hi), r.hi)
		if hi <= lo || tiny {
			hide(r.bandRects[i])
			hide(r.bandLabels[i])
			continue
		}
		rect := r.bandRects[i]
		rect.FillColor = b.Color
		if rect.FillColor == nil {
			rect.FillColor = withAlpha(col(theme.ColorNameSuccess), 0x38)
		}
		rect.Move(fyne.NewPos(r.left, r.y(hi)))
		rect.Resize(fyne.NewSize(r.pw, r.y(lo)-r.y(hi)))
		show(rect)
		r.caption(r.bandLabels[i], b.Label, r.dim, fyne.NewPos(r.left+pad, r.y(hi)), 0)
	}

	r.thrLines = grow(r.thrLines, len(c.thresholds), newLine, &changed)
	r.thrLabels = grow(r.thrLabels, len(c.thresholds), newText, &changed)
	for i, t := range c.thresholds {
		if t.V < r.lo || t.V > r.hi || tiny {
			hide(r.thrLines[i])
			hide(r.thrLabels[i])
			continue
		}
		clr := t.Color
		if clr == nil {
			clr = col(theme.ColorNameError)
		}
		y := r.y(t.V)
		placeLine(r.thrLines[i], clr, 1, fyne.NewPos(r.left, y), fyne.NewPos(right, y))
		r.caption(r.thrLabels[i], t.Label, clr, fyne.NewPos(r.left, max(y-r.capH, r.top)), r.pw-pad)
	}

	// Data: decimate to the plot width, then one segment per pair of points.
	r.buf, r.ends = r.buf[:0], r.ends[:0]
	if !tiny {
		for _, pts := range r.vis {
			r.buf = decimate(r.buf, pts, r.start, r.window, int(r.pw))
			r.ends = append(r.ends, len(r.buf))
		}
	}
	nseg, from := 0, 0
	for _, e := range r.ends {
		if e > from {
			nseg += max(e-from-1, 1)
		}
		from = e
	}
	r.segs = grow(r.segs, nseg, newLine, &changed)
	if len(r.segs) > 2*nseg+256 { // after a shrink (smaller window or size), let the spares go
		r.segs, changed = r.segs[:nseg], true
	}
	k, drawn := 0, 0
	from = 0
	for li, e := range r.ends {
		pts, clr := r.buf[from:e], r.lineColor(li, col)
		from = e
		if len(pts) == 0 {
			continue
		}
		last := r.pos(pts[0])
		drawn++
		if len(pts) == 1 { // a lone point becomes a short tick
			placeLine(r.segs[k], clr, 1.5, last.SubtractXY(1, 0), last.AddXY(1, 0))
			k++
		}
		for j := 1; j < len(pts); j++ {
			p := r.pos(pts[j])
			// Sub-pixel steps and flat runs (0 % loss for minutes) add objects
			// but nothing visible, so merge them; the newest point is kept.
			if j < len(pts)-1 && (abs32(p.X-last.X) < 1 && abs32(p.Y-last.Y) < 1 ||
				abs32(p.Y-last.Y) < 0.5 && abs32(r.y(pts[j+1].V)-p.Y) < 0.5) {
				continue
			}
			placeLine(r.segs[k], clr, 1.5, last, p)
			last = p
			k++
			drawn++
		}
	}
	for _, s := range r.segs[k:] {
		hide(s)
	}
	c.drawn = drawn

	r.empty.Color, r.empty.TextSize = r.dim, textSize
	r.empty.Move(fyne.NewPos(r.left, r.top))
	r.empty.Resize(fyne.NewSize(max(r.pw, 0), max(r.ph, 0)))
	if hasData {
		hide(r.empty)
	} else {
		show(r.empty)
	}

	r.hover(hasData && c.hovering && !tiny, signed, pad, col, &changed)
	if changed {
		r.rebuild()
	}
}

// hover draws the cursor and a label with each line's value nearest in time.
func (r *renderer) hover(on, signed bool, pad float32, col func(fyne.ThemeColorName) color.Color, changed *bool) {
	c := r.c
	r.tips = grow(r.tips, len(c.lines)+1, newText, changed)
	if !on {
		hide(r.cursor)
		hide(r.tipBg)
		for _, t := range r.tips {
			hide(t)
		}
		return
	}
	hx := min(max(c.hoverX, r.left), r.left+r.pw)
	t := r.start + time.Duration(float64(hx-r.left)/float64(r.pw)*float64(r.window))
	placeLine(r.cursor, r.fg, 1, fyne.NewPos(hx, r.top), fyne.NewPos(hx, r.top+r.ph))

	r.tips[0].Text, r.tips[0].Color = fmtClock(t), r.fg
	n := 1
	for i, pts := range r.vis {
		if len(pts) == 0 {
			continue
		}
		r.tips[n].Text, r.tips[n].Color = c.valueText(i, nearest(pts, t).V, signed), r.lineColor(i, col)
		n++
	}
	var w float32
	for _, tt := range r.tips[:n] {
		tt.TextSize = r.capSize
		w = max(w, tt.MinSize().Width)
	}
	bw, bh := w+2*pad, float32(n)*r.capH+2*pad
	bx := hx + 2*pad
	if bx+bw > r.left+r.pw {
		bx = hx - 2*pad - bw
	}
	by := r.top + pad
	r.tipBg.FillColor, r.tipBg.StrokeColor = r.overlayC, r.dim
	r.tipBg.Move(fyne.NewPos(bx, by))
	r.tipBg.Resize(fyne.NewSize(bw, bh))
	show(r.tipBg)
	for i, tt := range r.tips[:n] {
		r.caption(tt, tt.Text, tt.Color, fyne.NewPos(bx+pad, by+pad+float32(i)*r.capH), 0)
	}
	for _, tt := range r.tips[n:] {
		hide(tt)
	}
}

// yRange is the fixed range, or one covering the visible data, bands,
// thresholds and 0 with a 5 % margin away from 0.
func (r *renderer) yRange() (lo, hi float64) {
	c := r.c
	if c.fixed {
		return c.lo, c.hi
	}
	for _, b := range c.bands {
		lo, hi = min(lo, b.Lo, b.Hi), max(hi, b.Lo, b.Hi)
	}
	for _, t := range c.thresholds {
		lo, hi = min(lo, t.V), max(hi, t.V)
	}
	for _, pts := range r.vis {
		for _, p := range pts {
			if !math.IsNaN(p.V) && !math.IsInf(p.V, 0) {
				lo, hi = min(lo, p.V), max(hi, p.V)
			}
		}
	}
	if hi == lo {
		hi = lo + 1
	}
	m := (hi - lo) * 0.05
	if lo < 0 {
		lo -= m
	}
	if hi > 0 {
		hi += m
	}
	return lo, hi
}

func (r *renderer) y(v float64) float32 {
	if math.IsNaN(v) {
		v = r.lo
	}
	f := float32((v - r.lo) / (r.hi - r.lo))
	return r.top + r.ph*(1-min(max(f, 0), 1))
}

func (r *renderer) pos(p Point) fyne.Position {
	return fyne.NewPos(r.left+r.pw*float32(float64(p.T-r.start)/float64(r.window)), r.y(p.V))
}

func (r *renderer) lineColor(i int, col func(fyne.ThemeColorName) color.Color) color.Color {
	if c := r.c.lines[i].Color; c != nil {
		return c
	}
	return col(lineColors[i%len(lineColors)])
}

// caption shows a small text at pos; width > 0 right-aligns it in that width.
func (r *renderer) caption(t *canvas.Text, s string, clr color.Color, pos fyne.Position, width float32) {
	t.Text, t.Color, t.TextSize = s, clr, r.capSize
	t.Alignment = fyne.TextAlignLeading
	size := t.MinSize()
	if width > 0 {
		t.Alignment, size.Width = fyne.TextAlignTrailing, width
	}
	t.Move(pos)
	t.Resize(size)
	show(t)
}

func setText(t *canvas.Text, s string, clr color.Color, size float32, pos fyne.Position) {
	t.Text, t.Color, t.TextSize = s, clr, size
	t.Move(pos)
	t.Resize(t.MinSize())
	show(t)
}

func placeLine(l *canvas.Line, clr color.Color, w float32, a, b fyne.Position) {
	l.StrokeColor, l.StrokeWidth = clr, w
	l.Position1, l.Position2 = a, b
	show(l)
}

// nearest returns the point of pts (sorted, non-empty) closest in time to t.
func nearest(pts []Point, t time.Duration) Point {
	i := sort.Search(len(pts), func(i int) bool { return pts[i].T >= t })
	if i == len(pts) || (i > 0 && t-pts[i-1].T < pts[i].T-t) {
		return pts[i-1]
	}
	return pts[i]
}

// valueText is "+12.3 ms" for a chart's only line, else "name +12.3 ms".
func (c *Chart) valueText(i int, v float64, signed bool) string {
	s := c.withUnit(fmtNum(v, signed))
	if name := c.lines[i].Name; name != "" && (len(c.lines) > 1 || name != c.title) {
		s = name + " " + s
	}
	return s
}

func (c *Chart) withUnit(s string) string {
	if c.unit == "" {
		return s
	}
	return s + " " + c.unit
}

// fmtNum keeps about three significant digits; signed charts show "+".
func fmtNum(v float64, signed bool) string {
	prec := 2
	switch a := math.Abs(v); {
	case a == 0 || a >= 100:
		prec = 0
	case a >= 1:
		prec = 1
	}
	if signed && v != 0 {
		return fmt.Sprintf("%+.*f", prec, v)
	}
	return fmt.Sprintf("%.*f", prec, v)
}

// fmtSpan renders the window length for the left x label, e.g. "60 s".
func fmtSpan(d time.Duration) string {
	if d >= time.Minute && d%time.Minute == 0 && d != time.Minute {
		return fmt.Sprintf("%d min", d/time.Minute)
	}
	return fmt.Sprintf("%g s", d.Seconds())
}

// fmtClock renders a session time as m:ss.s.
func fmtClock(d time.Duration) string {
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	m := d / time.Minute
	return fmt.Sprintf("%s%d:%04.1f", sign, m, (d - m*time.Minute).Seconds())
}

// show and hide skip no-op toggles: Show/Hide refresh the object through the
// driver, which cost more than the whole redraw; Refresh repaints the widget.
func show(o fyne.CanvasObject) {
	if !o.Visible() {
		o.Show()
	}
}

func hide(o fyne.CanvasObject) {
	if o.Visible() {
		o.Hide()
	}
}

func abs32(f float32) float32 { return float32(math.Abs(float64(f))) }

func withAlpha(c color.Color, a uint8) color.Color {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	n.A = a
	return n
}
