package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/onair-dev/onair/capture/probe"
)

func runProbe(e *env, args []string) error {
	fs := newFlags(e, "probe")
	asJSON := fs.Bool("json", false, "print JSON")
	timeout := fs.Duration("timeout", probe.DefaultTimeout, "how long a network input may take to answer")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("want exactly one file or URL: %w", errUsage)
	}
	r, err := probe.Probe(context.Background(), fs.Arg(0), *timeout)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	fmt.Fprintf(e.stdout, "input:    %s\nformat:   %s\nduration: %v\n", r.Input, r.Format, r.Duration.Round(time.Millisecond))
	for _, s := range r.Streams {
		switch s.Kind {
		case "video":
			fmt.Fprintf(e.stdout, "stream %d: video %s %dx%d %.3f fps, time base %s\n", s.Index, s.Codec, s.Width, s.Height, s.FPS, s.TimeBase)
		case "audio":
			fmt.Fprintf(e.stdout, "stream %d: audio %s %d Hz %d ch, time base %s\n", s.Index, s.Codec, s.SampleRate, s.Channels, s.TimeBase)
		default:
			fmt.Fprintf(e.stdout, "stream %d: %s %s, time base %s\n", s.Index, s.Kind, s.Codec, s.TimeBase)
		}
	}
	return nil
}
