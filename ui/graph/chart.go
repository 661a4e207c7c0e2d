// Package graph draws rolling time-series charts (A/V sync offset, packet
// loss, bitrate, RTT, NACK/PLI counts) for the live streaming window.
package graph

import (
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

// DefaultWindow is the rolling span a new Chart shows.
const DefaultWindow = 60 * time.Second

// Point is one sample; T is on the session clock.
type Point struct {
	T time.Duration
	V float64
}

// Line is one named series. Points must be in increasing T.
// A nil Color picks a theme colour by the line's index.
type Line struct {
	Name   string
	Color  color.Color
	Points []Point
}

// Band is a shaded horizontal band, e.g. the EBU R37 −60…+40 ms window.
// A nil Color uses the theme's success colour, translucent.
type Band struct {
	Lo, Hi float64
	Color  color.Color
	Label  string
}

// Threshold is a horizontal line, e.g. an 8 % loss alarm.
// A nil Color uses the theme's error colour.
type Threshold struct {
	V     float64
	Color color.Color
	Label string
}

// Chart is a rolling time-series graph widget.
//
// Every method must run on the Fyne goroutine (wrap calls from telemetry
// goroutines in fyne.Do): the renderer reads these fields without a lock.
type Chart struct {
	widget.BaseWidget

	title, unit string
	window      time.Duration
	bands       []Band
	thresholds  []Threshold
	fixed       bool
	lo, hi      float64
	lines       []Line

	hovering bool
	hoverX   float32
	drawn    int
}

var _ desktop.Hoverable = (*Chart)(nil)

// New returns an empty chart; unit is appended to every value shown.
// TextNoData is what an empty chart says; the window sets it in its language.
var TextNoData = "no data yet"

func New(title, unit string) *Chart {
	c := &Chart{title: title, unit: unit, window: DefaultWindow}
	c.ExtendBaseWidget(c)
	return c
}

// SetWindow sets the rolling span; d <= 0 restores DefaultWindow.
func (c *Chart) SetWindow(d time.Duration) {
	if d <= 0 {
		d = DefaultWindow
	}
	c.window = d
	c.Refresh()
}

// SetBands replaces the shaded bands.
func (c *Chart) SetBands(b ...Band) {
	c.bands = append(c.bands[:0], b...)
	c.Refresh()
}

// SetThresholds replaces the threshold lines.
func (c *Chart) SetThresholds(t ...Threshold) {
	c.thresholds = append(c.thresholds[:0], t...)
	c.Refresh()
}

// SetFixedRange pins the y axis to lo…hi; values outside are clamped to the
// edge. Without it the axis auto-scales to the visible data, the bands, the
// thresholds and 0.
func (c *Chart) SetFixedRange(lo, hi float64) {
	if hi < lo {
		lo, hi = hi, lo
	}
	if hi == lo {
		hi = lo + 1
	}
	c.fixed, c.lo, c.hi = true, lo, hi
	c.Refresh()
}

// SetLines replaces the data and refreshes. The points are copied (into
// buffers reused between calls), so the caller may reuse its slices.
// It must be called on the Fyne goroutine, e.g. inside fyne.Do.
func (c *Chart) SetLines(lines ...Line) {
	if cap(c.lines) < len(lines) {
		c.lines = append(c.lines[:cap(c.lines)], make([]Line, len(lines)-cap(c.lines))...)
	}
	c.lines = c.lines[:len(lines)]
	for i, l := range lines {
		c.lines[i] = Line{Name: l.Name, Color: l.Color, Points: append(c.lines[i].Points[:0], l.Points...)}
	}
	c.Refresh()
}

// Current returns the newest value of the first line.
func (c *Chart) Current() (name string, v float64, ok bool) {
	if len(c.lines) == 0 || len(c.lines[0].Points) == 0 {
		return "", 0, false
	}
	l := c.lines[0]
	return l.Name, l.Points[len(l.Points)-1].V, true
}

// PointsDrawn is how many points the last layout or refresh drew, after
// dropping points older than the window and decimating.
func (c *Chart) PointsDrawn() int { return c.drawn }

// MouseIn shows the hover cursor.
func (c *Chart) MouseIn(e *desktop.MouseEvent) { c.MouseMoved(e) }

// MouseMoved moves the hover cursor.
func (c *Chart) MouseMoved(e *desktop.MouseEvent) {
	c.hovering, c.hoverX = true, e.Position.X
	c.Refresh()
}

// MouseOut hides the hover cursor.
func (c *Chart) MouseOut() {
	c.hovering = false
	c.Refresh()
}

// CreateRenderer is part of fyne.Widget.
func (c *Chart) CreateRenderer() fyne.WidgetRenderer {
	return newRenderer(c)
}
