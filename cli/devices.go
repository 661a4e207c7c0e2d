package cli

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/onair-dev/onair/capture/devices"
)

func runDevices(e *env, args []string) error {
	fs := newFlags(e, "devices")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	list, err := devices.List()
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(list)
	}
	if len(list) == 0 {
		fmt.Fprintln(e.stdout, "no cameras, microphones or screens found (V4L2 /dev/video*, ALSA/PulseAudio, X11 $DISPLAY)")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tLABEL\tNAME\tFORMATS")
	for _, d := range list {
		var fmts string
		for i, f := range d.Formats {
			if i == 4 {
				fmts += fmt.Sprintf(" … (+%d)", len(d.Formats)-4)
				break
			}
			if f.Width > 0 {
				fmts += fmt.Sprintf(" %dx%d@%.0f", f.Width, f.Height, f.FPS)
			} else if f.SampleRate > 0 {
				fmts += fmt.Sprintf(" %d Hz/%d ch", f.SampleRate, f.Channels)
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", d.Kind, d.Label, d.Name, fmts)
	}
	return tw.Flush()
}
