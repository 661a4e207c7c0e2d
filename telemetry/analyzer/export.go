package analyzer

import (
	"encoding/json"
	"io"
	"strconv"

	"github.com/onair-dev/onair/telemetry"
)

var csvHeader = []string{"index", "flash_s", "beep_s", "offset_ms"}

// WriteCSV writes one row per event with a header row, times in seconds.
func (r Result) WriteCSV(w io.Writer) error {
	f := telemetry.Float
	return telemetry.WriteCSV(w, csvHeader, r.Events, func(e Event) []string {
		return []string{strconv.Itoa(e.Index), f(e.FlashAt.Seconds()), f(e.BeepAt.Seconds()), f(e.OffsetMs)}
	})
}

type jsonResult struct {
	Name          string   `json:"name"`
	Events        []Event  `json:"events"`
	Count         int      `json:"count"`
	Flashes       int      `json:"flashes"`
	Beeps         int      `json:"beeps"`
	MeanMs        float64  `json:"mean_ms"`
	StdMs         float64  `json:"std_ms"`
	MinMs         float64  `json:"min_ms"`
	MaxMs         float64  `json:"max_ms"`
	DriftMsPerMin *float64 `json:"drift_ms_per_min"` // null when undefined
}

// WriteJSON writes {"name": name, "events": [...], "mean_ms": ..., ...};
// drift_ms_per_min is null when fewer than 3 events made it undefined.
func (r Result) WriteJSON(w io.Writer, name string) error {
	j := jsonResult{Name: name, Events: r.Events, Count: len(r.Events), Flashes: r.Flashes, Beeps: r.Beeps,
		MeanMs: r.MeanMs, StdMs: r.StdMs, MinMs: r.MinMs, MaxMs: r.MaxMs}
	if j.Events == nil {
		j.Events = []Event{}
		j.MinMs, j.MaxMs = 0, 0 // no events: avoid ±Inf, which JSON cannot carry
	}
	if r.DriftValid {
		d := r.DriftMsPerMin
		j.DriftMsPerMin = &d
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(j)
}
