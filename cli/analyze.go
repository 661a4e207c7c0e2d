package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/onair-dev/onair/pipeline"
	"github.com/onair-dev/onair/telemetry"
)

// runAnalyze measures A/V sync of any input carrying flashes and beeps:
// onair's test pattern, or a camera filming a clapper/flash-and-beep video.
func runAnalyze(e *env, args []string) error {
	fs := newFlags(e, "analyze")
	duration := fs.Duration("duration", 60*time.Second, "analyse this much of the input (0: all of a file)")
	csvPath := fs.String("csv", "", "write the events to this CSV file")
	jsonPath := fs.String("json", "", "write the events and summary to this JSON file")
	timeout := fs.Duration("timeout", 10*time.Second, "how long a network input may take to answer")
	// Flags may follow the input, as in `onair analyze file.mkv --csv out.csv`.
	var input string
	rest := args
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		input, rest = rest[0], rest[1:]
	}
	if err := parse(fs, rest); err != nil {
		return err
	}
	if input == "" && fs.NArg() == 1 {
		input = fs.Arg(0)
	} else if input == "" || fs.NArg() > 0 {
		return fmt.Errorf("want exactly one file or URL: %w", errUsage)
	}
	for _, p := range []string{*csvPath, *jsonPath} {
		if p != "" {
			if st, err := os.Stat(filepath.Dir(p)); err != nil || !st.IsDir() {
				return fmt.Errorf("output %q: folder does not exist: %w", p, errUsage)
			}
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, name, err := pipeline.Analyze(ctx, input, *timeout, *duration, func(ev pipeline.AnalyzeEvent) {
		fmt.Fprintf(e.stdout, "event %3d  flash %9.3f s  beep %9.3f s  offset %+8.2f ms\n",
			ev.Index, ev.FlashAt.Seconds(), ev.BeepAt.Seconds(), ev.OffsetMs)
	})
	if err != nil && !errors.Is(err, pipeline.ErrTooFewEvents) {
		return err
	}
	printSummary(e.stdout, res)
	if *csvPath != "" {
		if werr := telemetry.WriteFile(*csvPath, res.WriteCSV); werr != nil {
			return werr
		}
	}
	if *jsonPath != "" {
		if werr := telemetry.WriteFile(*jsonPath, func(w io.Writer) error { return res.WriteJSON(w, name) }); werr != nil {
			return werr
		}
	}
	return nil
}

func printSummary(w io.Writer, r pipeline.AnalyzeResult) {
	fmt.Fprintf(w, "\nevents   %d (flashes %d, beeps %d)\n", len(r.Events), r.Flashes, r.Beeps)
	fmt.Fprintf(w, "offset   mean %+.2f ms, spread (sd) %.2f ms, min %+.2f ms, max %+.2f ms   (+ = audio early)\n", r.MeanMs, r.StdMs, r.MinMs, r.MaxMs)
	if r.DriftValid {
		fmt.Fprintf(w, "drift    %+.3f ms per minute\n", r.DriftMsPerMin)
	} else {
		fmt.Fprintln(w, "drift    not measurable: needs at least 3 events")
	}
}
