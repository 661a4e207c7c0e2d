package telemetry

import (
	"encoding/csv"
	"io"
	"strconv"
)

// WriteCSV writes header and then one row per item: the shape of every
// series export (network stats, sync offsets, analyzer events).
func WriteCSV[T any](w io.Writer, header []string, items []T, row func(T) []string) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, it := range items {
		if err := cw.Write(row(it)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// Float formats v as briefly as it round-trips ("0.5", "12").
func Float(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
