package graph

import (
	"image/color"
	"math"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
)

var (
	red  = color.NRGBA{R: 0xff, A: 0xff}
	blue = color.NRGBA{B: 0xff, A: 0xff}
)

// newChart shows a chart alone in an unpadded w×h test window.
func newChart(t testing.TB, w, h float32) (*Chart, fyne.Window) {
	test.NewTempApp(t)
	c := New("A/V offset", "ms")
	win := test.NewWindow(c)
	win.SetPadded(false)
	win.Resize(fyne.NewSize(w, h))
	t.Cleanup(win.Close)
	return c, win
}

// series samples f every step over [from, to].
func series(from, to, step time.Duration, f func(time.Duration) float64) []Point {
	var pts []Point
	for t := from; t <= to; t += step {
		pts = append(pts, Point{T: t, V: f(t)})
	}
	return pts
}

func rend(c *Chart) *renderer { return test.WidgetRenderer(c).(*renderer) }

// visibleTexts returns the text of every visible canvas.Text of the renderer.
func visibleTexts(c *Chart) []string {
	var out []string
	for _, o := range test.WidgetRenderer(c).Objects() {
		if t, ok := o.(*canvas.Text); ok && t.Visible() && t.Text != "" {
			out = append(out, t.Text)
		}
	}
	return out
}

func countTexts(c *Chart, sub string) int {
	n := 0
	for _, s := range visibleTexts(c) {
		if strings.Contains(s, sub) {
			n++
		}
	}
	return n
}

// segments counts visible canvas.Lines drawn in clr.
func segments(c *Chart, clr color.Color) int {
	n := 0
	for _, o := range test.WidgetRenderer(c).Objects() {
		if l, ok := o.(*canvas.Line); ok && l.Visible() && l.StrokeColor == clr {
			n++
		}
	}
	return n
}

func TestCurrent(t *testing.T) {
	c, _ := newChart(t, 400, 200)
	if _, _, ok := c.Current(); ok {
		t.Fatal("Current reports a value for an empty chart")
	}
	c.SetLines(Line{Name: "offset", Points: []Point{{T: time.Second, V: 3}, {T: 2 * time.Second, V: 12.34}}},
		Line{Name: "other", Points: []Point{{T: 3 * time.Second, V: 99}}})
	name, v, ok := c.Current()
	if !ok || name != "offset" || v != 12.34 {
		t.Fatalf("Current() = %q, %v, %v; want offset, 12.34, true", name, v, ok)
	}
	if countTexts(c, "offset +12.3 ms") != 0 || countTexts(c, "offset 12.3 ms") != 1 {
		t.Fatalf("header should show the newest value; texts %q", visibleTexts(c))
	}
}

func TestHeaderSignedForSingleLine(t *testing.T) {
	c, _ := newChart(t, 400, 200)
	c.SetBands(Band{Lo: -60, Hi: 40, Label: "EBU R37"})
	c.SetLines(Line{Name: "A/V offset", Points: []Point{{T: 0, V: 12.3}}})
	if countTexts(c, "A/V offset") != 1 || countTexts(c, "+12.3 ms") != 1 {
		t.Fatalf("want title and \"+12.3 ms\" once each; texts %q", visibleTexts(c))
	}
}

func TestWindowDropsOldPoints(t *testing.T) {
	c, _ := newChart(t, 400, 200)
	zigzag := func(t time.Duration) float64 { return float64(int(t.Seconds()) % 2 * 10) }
	pts := series(0, 120*time.Second, time.Second, zigzag)
	c.SetLines(Line{Name: "x", Color: red, Points: pts})
	if got := c.PointsDrawn(); got != 61 { // 60 s…120 s inclusive
		t.Fatalf("PointsDrawn = %d with the default 60 s window, want 61", got)
	}
	if got := segments(c, red); got != 60 {
		t.Fatalf("%d segments drawn, want 60", got)
	}
	c.SetWindow(30 * time.Second)
	if got := c.PointsDrawn(); got != 31 {
		t.Fatalf("PointsDrawn = %d with a 30 s window, want 31", got)
	}
	if got := segments(c, red); got != 30 {
		t.Fatalf("%d segments drawn, want 30", got)
	}
	// Segments stay inside the plot.
	r := rend(c)
	for _, o := range r.Objects() {
		if l, ok := o.(*canvas.Line); ok && l.Visible() && l.StrokeColor == red {
			if l.Position1.X < r.left-0.01 || l.Position2.X > r.left+r.pw+0.01 {
				t.Fatalf("segment %v–%v outside plot x %v…%v", l.Position1, l.Position2, r.left, r.left+r.pw)
			}
		}
	}
}

func TestDecimationBound(t *testing.T) {
	c, _ := newChart(t, 400, 200)
	pts := series(0, 9999*6*time.Millisecond, 6*time.Millisecond, func(t time.Duration) float64 {
		return math.Sin(t.Seconds())
	})
	if len(pts) != 10000 {
		t.Fatalf("setup: %d points", len(pts))
	}
	c.SetLines(Line{Name: "x", Color: red, Points: pts})
	limit := 2 * int(rend(c).pw)
	if got := c.PointsDrawn(); got > limit || got < limit/4 {
		t.Fatalf("PointsDrawn = %d for 10000 points, want within %d…%d", got, limit/4, limit)
	}
	if got := segments(c, red); got >= limit {
		t.Fatalf("%d segments for a %d px plot", got, limit/2)
	}
}

func TestFlatRunsMerge(t *testing.T) {
	c, _ := newChart(t, 400, 200)
	pts := series(0, 60*time.Second, 100*time.Millisecond, func(time.Duration) float64 { return 0 })
	pts[300].V = 5 // one blip in the middle
	c.SetLines(Line{Name: "loss", Color: red, Points: pts})
	if got := segments(c, red); got != 4 {
		t.Fatalf("%d segments for flat-blip-flat, want 4", got)
	}
	if got := c.PointsDrawn(); got != 5 {
		t.Fatalf("PointsDrawn = %d, want 5", got)
	}
}

func TestDecimateKeepsExtremesInOrder(t *testing.T) {
	pts := series(0, 9999*time.Millisecond, time.Millisecond, func(time.Duration) float64 { return 0 })
	pts[5123].V, pts[7777].V = 1000, -1000
	out := decimate(nil, pts, 0, 10*time.Second, 300)
	if len(out) > 600 {
		t.Fatalf("%d points for 300 columns", len(out))
	}
	var up, down bool
	for i, p := range out {
		up, down = up || p.V == 1000, down || p.V == -1000
		if i > 0 && p.T <= out[i-1].T {
			t.Fatalf("points out of time order at %d: %v then %v", i, out[i-1].T, p.T)
		}
	}
	if !up || !down {
		t.Fatalf("spike kept %v, dip kept %v", up, down)
	}
	if got := decimate(nil, pts[:500], 0, 10*time.Second, 300); len(got) != 500 {
		t.Fatalf("below 2 points per column nothing should be dropped, got %d of 500", len(got))
	}
}

func TestNearest(t *testing.T) {
	pts := []Point{{0, 0}, {time.Second, 1}, {2 * time.Second, 2}}
	for _, c := range []struct {
		t    time.Duration
		want float64
	}{{-time.Second, 0}, {1400 * time.Millisecond, 1}, {1600 * time.Millisecond, 2}, {5 * time.Second, 2}} {
		if got := nearest(pts, c.t).V; got != c.want {
			t.Errorf("nearest(%v) = %v, want %v", c.t, got, c.want)
		}
	}
}

func TestAutoScale(t *testing.T) {
	c, _ := newChart(t, 400, 200)
	small := series(0, 10*time.Second, 100*time.Millisecond, func(t time.Duration) float64 { return 5 * math.Sin(t.Seconds()) })
	c.SetBands(Band{Lo: -60, Hi: 40, Label: "EBU R37"})
	c.SetLines(Line{Points: small})
	r := rend(c)
	if r.lo > -60 || r.hi < 40 {
		t.Fatalf("range %v…%v does not include the band -60…40", r.lo, r.hi)
	}
	if countTexts(c, "EBU R37") != 1 {
		t.Fatalf("band label missing; texts %q", visibleTexts(c))
	}
	band := r.bandRects[0]
	if !band.Visible() || math.Abs(float64(band.Position().Y-r.y(40))) > 0.01 ||
		math.Abs(float64(band.Position().Y+band.Size().Height-r.y(-60))) > 0.01 {
		t.Fatalf("band rect at y %v h %v, want %v…%v", band.Position().Y, band.Size().Height, r.y(40), r.y(-60))
	}

	// Threshold and 0 are included; no padding below 0 for positive data.
	c.SetBands()
	c.SetThresholds(Threshold{V: 8, Label: "8 % alarm"})
	c.SetLines(Line{Points: []Point{{0, 50}, {time.Second, 60}}})
	if r.lo != 0 || r.hi < 60 {
		t.Fatalf("range %v…%v, want 0…>=60", r.lo, r.hi)
	}
	c.SetLines(Line{Points: []Point{{0, 1}, {time.Second, 2}}})
	if r.hi < 8 || countTexts(c, "8 % alarm") != 1 {
		t.Fatalf("range %v…%v or label missing (%q); want the 8 threshold in range", r.lo, r.hi, visibleTexts(c))
	}

	// A fixed range wins and clips the band to the plot.
	c.SetBands(Band{Lo: -60, Hi: 40})
	c.SetFixedRange(20, -20)
	if r.lo != -20 || r.hi != 20 {
		t.Fatalf("fixed range gave %v…%v", r.lo, r.hi)
	}
	if band.Position().Y < r.top-0.01 || band.Position().Y+band.Size().Height > r.top+r.ph+0.01 {
		t.Fatalf("band not clipped to the plot")
	}
}

func TestHoverShowsValues(t *testing.T) {
	c, win := newChart(t, 400, 200)
	step := func(lo, hi float64) func(time.Duration) float64 {
		return func(t time.Duration) float64 {
			if t < 30*time.Second {
				return lo
			}
			return hi
		}
	}
	c.SetLines(Line{Name: "target", Points: series(0, 60*time.Second, 100*time.Millisecond, step(2500, 3000))},
		Line{Name: "actual", Points: series(0, 60*time.Second, 100*time.Millisecond, step(2380, 2900))})
	r := rend(c)
	if r.cursor.Visible() || countTexts(c, "target 2500") != 0 {
		t.Fatal("hover label shown before hovering")
	}

	at := fyne.NewPos(r.left+r.pw/4, r.top+r.ph/2) // 15 s into the window
	test.MoveMouse(win.Canvas(), at)
	if !r.cursor.Visible() || r.cursor.Position1.X != at.X {
		t.Fatalf("cursor visible %v at x %v, want x %v", r.cursor.Visible(), r.cursor.Position1.X, at.X)
	}
	for _, want := range []string{"target 2500 ms", "actual 2380 ms", "0:15.0"} {
		if countTexts(c, want) != 1 {
			t.Fatalf("hover should show %q; texts %q", want, visibleTexts(c))
		}
	}

	test.MoveMouse(win.Canvas(), fyne.NewPos(r.left+r.pw*3/4, at.Y))
	if countTexts(c, "target 2500") != 0 || countTexts(c, "actual 2900 ms") != 2 { // header + hover
		t.Fatalf("hover did not follow the mouse; texts %q", visibleTexts(c))
	}

	test.MoveMouse(win.Canvas(), fyne.NewPos(500, 500)) // off the window
	if r.cursor.Visible() || r.tipBg.Visible() || countTexts(c, "actual 2900 ms") != 1 {
		t.Fatalf("hover label still shown after MouseOut; texts %q", visibleTexts(c))
	}
}

func TestEmptyChart(t *testing.T) {
	c, _ := newChart(t, 400, 200)
	if countTexts(c, "no data yet") != 1 || c.PointsDrawn() != 0 {
		t.Fatalf("empty chart: texts %q, %d points", visibleTexts(c), c.PointsDrawn())
	}
	c.SetLines(Line{Name: "x"})
	if countTexts(c, "no data yet") != 1 {
		t.Fatal("a line without points should still read \"no data yet\"")
	}
	c.SetLines(Line{Name: "x", Points: []Point{{0, 1}}})
	if countTexts(c, "no data yet") != 0 || c.PointsDrawn() != 1 {
		t.Fatalf("with data: texts %q, %d points", visibleTexts(c), c.PointsDrawn())
	}
}

func TestObjectCountStable(t *testing.T) {
	c, _ := newChart(t, 400, 200)
	c.SetBands(Band{Lo: -60, Hi: 40, Label: "EBU R37"})
	c.SetThresholds(Threshold{V: 8, Label: "alarm"})
	update := func(end time.Duration) {
		f := func(t time.Duration) float64 { return math.Sin(t.Seconds()) }
		c.SetLines(Line{Name: "a", Points: series(end-60*time.Second, end, 100*time.Millisecond, f)},
			Line{Name: "b", Points: series(end-60*time.Second, end, 100*time.Millisecond, f)})
	}
	update(60 * time.Second)
	n := len(test.WidgetRenderer(c).Objects())
	for i := 1; i <= 200; i++ {
		update(60*time.Second + time.Duration(i)*100*time.Millisecond)
		if got := len(test.WidgetRenderer(c).Objects()); got != n {
			t.Fatalf("update %d: %d objects, started with %d", i, got, n)
		}
	}
	// 10,000 points per line stay within the decimation bound.
	big := series(0, 9999*6*time.Millisecond, 6*time.Millisecond, func(t time.Duration) float64 { return math.Sin(t.Seconds()) })
	for i := 0; i < 3; i++ {
		c.SetLines(Line{Points: big}, Line{Points: big})
	}
	bigN, limit := len(test.WidgetRenderer(c).Objects()), 4*int(rend(c).pw)+40
	if bigN > limit {
		t.Fatalf("%d objects for 2 decimated lines, want <= %d", bigN, limit)
	}
	// Back to a few points: the spare segments are let go.
	c.SetLines(Line{Points: big[:10]})
	if got := len(test.WidgetRenderer(c).Objects()); got >= bigN || got > n {
		t.Fatalf("%d objects after shrinking to 10 points (had %d, started with %d)", got, bigN, n)
	}
}

func TestUnsizedChart(t *testing.T) {
	test.NewTempApp(t)
	c := New("RTT", "ms") // never placed in a window: size 0×0
	c.SetLines(Line{Points: []Point{{0, 1}, {time.Second, 2}}})
	c.MouseMoved(&desktop.MouseEvent{})
	if c.PointsDrawn() != 0 {
		t.Fatalf("a 0×0 chart drew %d points", c.PointsDrawn())
	}
}

func TestMinSizeAndThemeColours(t *testing.T) {
	c, _ := newChart(t, 400, 200)
	if m := c.MinSize(); m.Width < 260 || m.Height < 120 {
		t.Fatalf("MinSize %v", m)
	}
	c.SetLines(Line{Points: []Point{{0, 1}}})
	for _, th := range []fyne.Theme{test.NewTheme(), test.Theme()} {
		test.ApplyTheme(t, th)
		want := th.Color(theme.ColorNameForeground, fyne.CurrentApp().Settings().ThemeVariant())
		if got := rend(c).title.Color; got != want {
			t.Fatalf("title colour %v, want theme foreground %v", got, want)
		}
	}
}

func BenchmarkRefresh(b *testing.B) {
	c, _ := newChart(b, 600, 200)
	c.SetBands(Band{Lo: -60, Hi: 40, Label: "EBU R37"})
	r := test.WidgetRenderer(c)
	size := c.Size()
	f := func(t time.Duration) float64 { return 10 * math.Sin(t.Seconds()) }
	target := series(0, 60*time.Second, 100*time.Millisecond, f)
	actual := series(0, 60*time.Second, 100*time.Millisecond, f)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		c.SetLines(Line{Name: "target", Color: red, Points: target}, Line{Name: "actual", Color: blue, Points: actual})
		c.Refresh()
		r.Layout(size)
	}
}
