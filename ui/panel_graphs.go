package ui

import (
	"fmt"
	"image/color"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"

	"github.com/onair-dev/onair/telemetry/avsync"
	"github.com/onair-dev/onair/telemetry/netstats"
	"github.com/onair-dev/onair/ui/graph"
)

// graphPanel draws the rolling 60 s graphs streamers and QA watch: A/V
// sync with the EBU R37 band, packet loss with the 8 % alarm, bitrate
// target vs actual, RTT, and NACK/PLI counts.
type graphPanel struct {
	content          fyne.CanvasObject
	drawn            map[*graph.Chart]string // what each chart last got
	sync, loss, rate *graph.Chart
	rtt, requests    *graph.Chart
}

var palette = []color.Color{
	color.NRGBA{R: 0x3d, G: 0x8b, B: 0xfd, A: 0xff},
	color.NRGBA{R: 0xf5, G: 0x9e, B: 0x0b, A: 0xff},
	color.NRGBA{R: 0x10, G: 0xb9, B: 0x81, A: 0xff},
	color.NRGBA{R: 0xe1, G: 0x1d, B: 0x48, A: 0xff},
	color.NRGBA{R: 0xa8, G: 0x55, B: 0xf7, A: 0xff},
}

func newGraphPanel(w *Window) *graphPanel {
	g := &graphPanel{
		drawn:    map[*graph.Chart]string{},
		sync:     graph.New(T("A/V offset"), "ms"),
		loss:     graph.New(T("Packet loss"), "%"),
		rate:     graph.New(T("Bitrate"), "kbit/s"),
		rtt:      graph.New("RTT", "ms"),
		requests: graph.New(T("NACK / PLI"), ""),
	}
	g.sync.SetBands(
		graph.Band{Lo: ms(avsync.BT1359Late), Hi: ms(avsync.BT1359Early),
			Color: color.NRGBA{R: 0xf5, G: 0x9e, B: 0x0b, A: 0x22}}, // unlabelled: its edges sit next to R37's
		graph.Band{Lo: ms(avsync.R37Late), Hi: ms(avsync.R37Early),
			Color: color.NRGBA{R: 0x10, G: 0xb9, B: 0x81, A: 0x33}, Label: "EBU R37 (BT.1359 outside)"},
	)
	g.loss.SetThresholds(graph.Threshold{V: netstats.AlarmLoss * 100, Color: color.NRGBA{R: 0xe1, G: 0x1d, B: 0x48, A: 0xff}, Label: T("alarm 8 %")})
	// The two graphs with several lines get the wider cells of the second row.
	g.content = container.NewVBox(
		container.NewGridWithColumns(3, g.sync, g.loss, g.rtt),
		container.NewGridWithColumns(2, g.rate, g.requests))
	return g
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func points(s []Sample, scale float64) []graph.Point {
	out := make([]graph.Point, len(s))
	for i, p := range s {
		out[i] = graph.Point{T: p.At, V: p.V * scale}
	}
	return out
}

// lines turns named series into chart lines, in a stable order.
func lines(m map[string][]Sample, scale float64, first ...string) []graph.Line {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	for i := len(first) - 1; i >= 0; i-- {
		for j, n := range names {
			if n == first[i] {
				names = append([]string{n}, append(names[:j:j], names[j+1:]...)...)
			}
		}
	}
	var out []graph.Line
	for i, n := range names {
		out = append(out, graph.Line{Name: n, Color: palette[i%len(palette)], Points: points(m[n], scale)})
	}
	return out
}

// set gives c its lines unless they are what it already draws: a redraw
// repaints the whole window.
func (g *graphPanel) set(c *graph.Chart, lines ...graph.Line) {
	var b strings.Builder
	for _, l := range lines {
		fmt.Fprintf(&b, "%s/%d", l.Name, len(l.Points))
		if n := len(l.Points); n > 0 {
			fmt.Fprintf(&b, "/%d/%g", l.Points[n-1].T, l.Points[n-1].V)
		}
		b.WriteByte(';')
	}
	if sig := b.String(); g.drawn[c] != sig {
		g.drawn[c] = sig
		c.SetLines(lines...)
	}
}

func (g *graphPanel) show(s Series) {
	g.set(g.sync, graph.Line{Name: T("A/V offset"), Color: palette[0], Points: points(s.Sync, 1)})
	g.set(g.loss, lines(s.Loss, 1)...)
	g.set(g.rate, lines(s.Bitrate, 1e-3, "target")...)
	g.set(g.rtt, lines(s.RTT, 1)...)
	req := map[string][]Sample{}
	for n, v := range s.NACK {
		req["NACK "+n] = v
	}
	for n, v := range s.PLI {
		req["PLI "+n] = v
	}
	g.set(g.requests, lines(req, 1)...)
}
