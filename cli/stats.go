package cli

import (
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/onair-dev/onair/pipeline"
	"github.com/onair-dev/onair/telemetry"
)

// writeNetStats exports every WebRTC output's series to path (.csv or
// .json). Several outputs get path-1.csv, path-2.csv, … in CSV; JSON holds
// them all in one array. Written through a temp file so a crash mid-write
// never leaves half a file.
func writeNetStats(path string, sess *pipeline.Session) error {
	series := sess.NetStats()
	names := make([]string, 0, len(series))
	for n := range series {
		names = append(names, n)
	}
	sort.Strings(names)
	ext := strings.ToLower(filepath.Ext(path))
	switch ext {
	case ".json":
		return telemetry.WriteFile(path, func(f io.Writer) error {
			io.WriteString(f, "[\n")
			for i, n := range names {
				if i > 0 {
					io.WriteString(f, ",\n")
				}
				if err := series[n].WriteJSON(f, n); err != nil {
					return err
				}
			}
			_, err := io.WriteString(f, "]\n")
			return err
		})
	case ".csv":
		for i, n := range names {
			p := path
			if len(names) > 1 {
				p = strings.TrimSuffix(path, filepath.Ext(path)) + "-" + strconv.Itoa(i+1) + ".csv"
			}
			if err := telemetry.WriteFile(p, series[n].WriteCSV); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("stats file %q: want a .csv or .json name: %w", path, errUsage)
}
