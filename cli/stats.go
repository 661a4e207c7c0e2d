package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/onair-dev/onair/pipeline"
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
	write := func(p string, fill func(f *os.File) error) error {
		tmp := p + ".tmp"
		f, err := os.Create(tmp)
		if err != nil {
			return fmt.Errorf("stats file %s: %w", p, err)
		}
		if err := fill(f); err != nil {
			f.Close()
			return fmt.Errorf("stats file %s: %w", p, err)
		}
		if err := f.Close(); err != nil {
			return err
		}
		return os.Rename(tmp, p)
	}
	switch ext {
	case ".json":
		return write(path, func(f *os.File) error {
			f.WriteString("[\n")
			for i, n := range names {
				if i > 0 {
					f.WriteString(",\n")
				}
				if err := series[n].WriteJSON(f, n); err != nil {
					return err
				}
			}
			_, err := f.WriteString("]\n")
			return err
		})
	case ".csv":
		for i, n := range names {
			p := path
			if len(names) > 1 {
				p = strings.TrimSuffix(path, filepath.Ext(path)) + "-" + strconv.Itoa(i+1) + ".csv"
			}
			if err := write(p, func(f *os.File) error { return series[n].WriteCSV(f) }); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("stats file %q: want a .csv or .json name: %w", path, errUsage)
}
