// Package cli is onair's headless command line: publish, encoders, probe,
// version. It talks to pipeline, capture, encode and stream only through
// their Go APIs, never to FFmpeg directly.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// Version is set at build time with -ldflags "-X .../cli.Version=…".
var Version = "0.1.0-dev"

// Exit codes: 0 done, 1 the work failed, 2 the command line was wrong.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// errUsage marks a command-line mistake (exit 2).
var errUsage = errors.New("usage")

type env struct {
	stdout, stderr io.Writer
	log            *slog.Logger
}

type command struct {
	name, summary string
	run           func(e *env, args []string) error
}

func commands() []command {
	return []command{
		{"publish", "go live: test pattern → encoder → built-in server, WHIP, RTMP/RTMPS, recordings", runPublish},
		{"serve", "run the built-in server alone: WHIP in, WHEP out, viewer page", runServe},
		{"filters", "list the video filters, or change the chain of a running onair (filters set …)", runFilters},
		{"analyze", "measure A/V sync drift of a file or stream with flashes and beeps (QA)", runAnalyze},
		{"devices", "list cameras, microphones and screens", runDevices},
		{"encoders", "list the encoders FFmpeg has here and whether each really works", runEncoders},
		{"probe", "show what a media file or URL contains", runProbe},
		{"version", "print the version", runVersion},
	}
}

// Main runs one command and returns the process exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	e := &env{stdout: stdout, stderr: stderr}
	e.log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: logLevel()}))
	slog.SetDefault(e.log)
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			err := c.run(e, args[1:])
			switch {
			case err == nil:
				return exitOK
			case errors.Is(err, flag.ErrHelp):
				return exitOK
			case errors.Is(err, errUsage):
				fmt.Fprintf(stderr, "onair %s: %s\n", c.name, oneLine(strings.TrimSuffix(err.Error(), ": "+errUsage.Error())))
				return exitUsage
			default:
				fmt.Fprintf(stderr, "onair %s: %s\n", c.name, oneLine(err.Error()))
				return exitFail
			}
		}
	}
	fmt.Fprintf(stderr, "onair: unknown command %q\n\n", args[0])
	usage(stderr)
	return exitUsage
}

// oneLine keeps an error (errors.Join puts one cause per line) on one line.
func oneLine(s string) string { return strings.ReplaceAll(s, "\n", "; ") }

func usage(w io.Writer) {
	fmt.Fprintln(w, "onair: capture and stream from your desktop.\n\nUsage: onair <command> [flags]   (no command: open the window)\n\nCommands:")
	fmt.Fprintf(w, "  %-9s %s\n", "gui", "open the window (the default), e.g. onair gui --source testpattern --out local --go-live")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'onair <command> -h' for a command's flags.")
}

func newFlags(e *env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("onair "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}

// parse wraps flag errors as usage errors.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%v: %w", err, errUsage)
	}
	return nil
}

func runVersion(e *env, args []string) error {
	fmt.Fprintln(e.stdout, "onair", Version)
	return nil
}
