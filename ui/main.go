package ui

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/onair-dev/onair/ui/settings"
)

// AppID names onair's preferences and keyring entries.
const AppID = "dev.onair.onair"

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// Main opens the window (`onair` or `onair gui [flags]`) and returns the
// process exit code.
func Main(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("gui", flag.ContinueOnError)
	fs.SetOutput(stderr)
	source := fs.String("source", "", "start with this source: testpattern, camera, screen, or a file/URL")
	var outs listFlag
	fs.Var(&outs, "out", "start with this output instead of the saved ones, repeatable: local, https://…/whip, rtmp://…, record:file.mkv")
	goLive := fs.Bool("go-live", false, "go live as soon as the window opens")
	langTag := fs.String("lang", "", "language for this run: en or zh-CN (default: the settings', else the system's)")
	addr := fs.String("server-addr", "", "address of the built-in server (default 127.0.0.1:8080)")
	previewFlag := fs.String("preview", "", "on or off for this run (default: the settings')")
	previewRate := fs.Int("preview-rate", 0, "cap the preview at this many frames per second for this run (0: the settings')")
	statsPath := fs.String("ui-stats", "", "write the window's own figures (preview rate and lag, widget places) to this JSON file every second")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if runtime.GOOS == "linux" && os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		fmt.Fprintln(stderr, "onair: no display to open the window on ($DISPLAY is empty); for a headless go-live run: onair publish")
		return 1
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	a := app.NewWithID(AppID)
	ctrl := NewController(a.Preferences(), settings.OpenSecrets("onair"), log)
	if *addr != "" {
		ctrl.ServerAddr = *addr
	}
	if err := Override(ctrl, *source, outs); err != nil {
		fmt.Fprintf(stderr, "onair: %v\n", err)
		return 2
	}
	tag := *langTag
	if tag == "" {
		tag = ctrl.Settings().Language
	}
	if err := loadLanguage(tag); err != nil {
		log.Warn("language", "err", err)
	}
	switch *previewFlag {
	case "":
	case "on", "off":
		ctrl.mu.Lock()
		if !ctrl.run.preview {
			ctrl.run.preview, ctrl.run.savedPreview = true, ctrl.set.Preview
		}
		ctrl.set.Preview = *previewFlag == "on"
		ctrl.mu.Unlock()
	default:
		fmt.Fprintf(stderr, "onair: --preview %q: want on or off\n", *previewFlag)
		return 2
	}
	if *previewRate < 0 || *previewRate > 120 {
		fmt.Fprintf(stderr, "onair: --preview-rate %d: want 0 to 120\n", *previewRate)
		return 2
	} else if *previewRate > 0 {
		ctrl.mu.Lock()
		if !ctrl.run.previewFPS {
			ctrl.run.previewFPS, ctrl.run.savedPreviewFPS = true, ctrl.set.PreviewFPS
		}
		ctrl.set.PreviewFPS = *previewRate
		ctrl.mu.Unlock()
	}
	w := NewWindow(a, ctrl)
	w.statsPath = *statsPath
	w.Show()
	if *goLive {
		w.toggleLive()
	}
	// Ctrl-C or SIGTERM quits like the window's close button: the window
	// stops touching widgets first, then Fyne's loop ends.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	go func() {
		if _, ok := <-sig; ok {
			fyne.Do(func() { w.closing.Store(true); a.Quit() })
		}
	}()
	a.Lifecycle().SetOnStopped(func() { w.closing.Store(true) })
	a.Run()
	w.Close()
	return 0
}

// Override applies command-line choices for this run on top of the saved
// settings: the source, and outputs replacing the saved ones.
func Override(c *Controller, source string, outs []string) error {
	var list []settings.Output
	for i, o := range outs {
		id := fmt.Sprintf("cli-%d", i+1)
		switch {
		case o == "local":
			list = append(list, settings.Output{ID: id, Kind: OutputLocal, Enabled: true})
		case strings.HasPrefix(o, "record:"):
			list = append(list, settings.Output{ID: id, Kind: OutputRecord, Path: strings.TrimPrefix(o, "record:"), Enabled: true})
		case strings.HasPrefix(o, "rtmp://"), strings.HasPrefix(o, "rtmps://"):
			server, key := settings.SplitRTMP(o)
			list = append(list, settings.Output{ID: id, Kind: OutputRTMP, URL: server, Enabled: true, HasSecret: key != ""})
			if key != "" { // for this run only: never in the keyring under a throwaway ID
				c.mu.Lock()
				c.typed[id] = key
				c.mu.Unlock()
			}
		case strings.HasPrefix(o, "http://"), strings.HasPrefix(o, "https://"):
			list = append(list, settings.Output{ID: id, Kind: OutputWHIP, URL: o, Enabled: true})
		default:
			return fmt.Errorf("--out %q: want local, record:FILE, rtmp(s)://… or http(s)://… (WHIP)", o)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if source != "" {
		c.run.source, c.run.savedSource, c.run.savedInput = true, c.set.Source, c.set.Input
	}
	switch source {
	case "":
	case SourceTestPattern, SourceCamera, SourceScreen:
		c.set.Source = source
	default:
		c.set.Source, c.set.Input = SourceInput, source
	}
	if len(list) > 0 {
		c.run.outputs, c.run.savedOutputs = true, c.set.Outputs
		c.set.Outputs = list
	}
	return nil
}
