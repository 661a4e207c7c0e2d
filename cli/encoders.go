package cli

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/onair-dev/onair/encode"
)

func runEncoders(e *env, args []string) error {
	fs := newFlags(e, "encoders")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	size := fs.String("size", "1280x720", "size to test each encoder at")
	if err := parse(fs, args); err != nil {
		return err
	}
	w, h, err := parseSize(*size)
	if err != nil {
		return err
	}
	cfg := encode.DefaultVideo()
	cfg.Width, cfg.Height = w, h
	list := encode.Catalog(cfg)
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(list)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ENCODER\tCODEC\tKIND\tUSABLE\tWHY NOT")
	for _, en := range list {
		kind := "software"
		if en.Hardware != "" {
			kind = "gpu/" + en.Hardware
		}
		usable := "yes"
		if !en.Usable {
			usable = "no"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", en.Name, en.Codec, kind, usable, en.Reason)
	}
	return tw.Flush()
}
