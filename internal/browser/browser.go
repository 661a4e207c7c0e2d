// Package browser runs a real headless Chromium for acceptance tests and
// benchmarks: WebRTC against onair on loopback, driven over the DevTools
// protocol (chromedp). Every wait is bounded; a missing Chromium fails,
// never skips.
package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// MissingHint is the failure message when no Chromium is installed.
const MissingHint = "chromium not found: run make deps (packaging/linux/deps.sh)"

// ErrNotFound means no Chromium binary was found.
var ErrNotFound = errors.New(MissingHint)

// StartTimeout bounds launching the browser and opening its first tab.
const StartTimeout = 30 * time.Second

// Flags are the command-line switches every run uses: headless, no GPU,
// no QUIC or background traffic, autoplay allowed, WebRTC host candidates
// on loopback shown as IPs (no mDNS names), fake media permission prompts.
var Flags = []string{
	"headless=new",
	"no-sandbox",
	"disable-gpu",
	"disable-quic",
	"no-first-run",
	"no-default-browser-check",
	"disable-background-networking",
	"disable-component-update",
	"disable-sync",
	"autoplay-policy=no-user-gesture-required",
	"allow-loopback-in-peer-connection",
	"disable-features=WebRtcHideLocalIpsWithMdns",
	"use-fake-ui-for-media-stream",
	// A headless page is never hidden, but keep timers and video frame
	// callbacks at full rate whatever Chromium decides.
	"disable-background-timer-throttling",
	"disable-renderer-backgrounding",
	"disable-backgrounding-occluded-windows",
	"mute-audio",
}

// Path finds Chromium: $ONAIR_CHROMIUM, then chromium, chromium-browser,
// google-chrome on $PATH.
func Path() (string, error) {
	if p := os.Getenv("ONAIR_CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("ONAIR_CHROMIUM=%s: %v: %w", p, err, ErrNotFound)
		}
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium", nil
	}
	return "", ErrNotFound
}

// Browser is one Chromium process with one tab. Ctx drives the tab; it is
// done when the browser is closed.
type Browser struct {
	Ctx context.Context

	allocCancel, tabCancel context.CancelFunc
	dir                    string
	once                   sync.Once

	mu      sync.Mutex
	logf    func(string, ...any)
	console []string
}

// Launch starts Chromium with a fresh profile in a temporary directory and
// opens a blank tab. logf, if not nil, hears the page's console messages
// and uncaught exceptions. Close ends the browser and removes the profile.
func Launch(parent context.Context, logf func(string, ...any)) (*Browser, error) {
	path, err := Path()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "onair-chromium-")
	if err != nil {
		return nil, fmt.Errorf("browser profile dir: %w", err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(dir),
		chromedp.WindowSize(1280, 800),
	}
	for _, f := range Flags {
		name, value, ok := strings.Cut(f, "=")
		if ok {
			opts = append(opts, chromedp.Flag(name, value))
		} else {
			opts = append(opts, chromedp.Flag(name, true))
		}
	}
	b := &Browser{dir: dir, logf: logf}
	allocCtx, allocCancel := chromedp.NewExecAllocator(parent, opts...)
	tabCtx, tabCancel := chromedp.NewContext(allocCtx)
	b.Ctx, b.allocCancel, b.tabCancel = tabCtx, allocCancel, tabCancel

	started := make(chan error, 1)
	go func() { started <- chromedp.Do(tabCtx) }() // launches the process, opens the tab
	select {
	case err = <-started:
	case <-time.After(StartTimeout):
		err = fmt.Errorf("chromium did not start within %v", StartTimeout)
	}
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("starting %s: %w", path, err)
	}
	messages := chromedp.Console(tabCtx) // ends with the tab
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			b.onConsole(string(m.Type) + ": " + m.Text)
		}
	}()
	return b, nil
}

func (b *Browser) onConsole(line string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.console = append(b.console, line)
	if b.logf != nil {
		b.logf("chromium %s", line)
	}
}

// Console returns the page's console messages and exceptions so far.
func (b *Browser) Console() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.console...)
}

// Close ends the tab and the browser process (chromedp waits for it) and
// removes the profile directory. Idempotent.
func (b *Browser) Close() {
	b.once.Do(func() {
		b.mu.Lock()
		b.logf = nil // the test may be over: never log after Close
		b.mu.Unlock()
		b.tabCancel()
		b.allocCancel()
		os.RemoveAll(b.dir)
	})
}

// Start launches Chromium for a test: it fails the test (never skips) if
// Chromium is missing, logs the page's console to t, and closes the browser
// at cleanup. The context is the tab's; cancel closes the browser early.
func Start(t testing.TB) (context.Context, context.CancelFunc) {
	t.Helper()
	b := StartBrowser(t)
	return b.Ctx, b.Close
}

// StartBrowser is Start returning the Browser itself (for Console).
func StartBrowser(t testing.TB) *Browser {
	t.Helper()
	if _, err := Path(); err != nil {
		t.Fatal(MissingHint)
	}
	b, err := Launch(context.Background(), t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

// Eval evaluates a JavaScript expression in the tab, awaiting a promise it
// returns, and unmarshals the result into res (nil: ignore it). It gives up
// after timeout.
func Eval(ctx context.Context, timeout time.Duration, expr string, res any) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		return err
	}
	if res == nil {
		return nil
	}
	if err := json.Unmarshal(raw, res); err != nil {
		return fmt.Errorf("decoding the result of %.60q: %w", expr, err)
	}
	return nil
}

// Navigate opens url in the tab, bounded by timeout.
func Navigate(ctx context.Context, timeout time.Duration, url string) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return chromedp.Do(ctx, chromedp.Navigate(url))
}

// Poll evaluates expr (a boolean JavaScript expression) every interval
// until it is true, the context ends, or timeout passes.
func Poll(ctx context.Context, timeout, interval time.Duration, expr string) error {
	deadline := time.Now().Add(timeout)
	for {
		var ok bool
		err := Eval(ctx, min(5*time.Second, time.Until(deadline)+time.Second), expr, &ok)
		if err == nil && ok {
			return nil
		}
		if time.Now().After(deadline) {
			if err != nil {
				return fmt.Errorf("waiting for %s: %w", expr, err)
			}
			return fmt.Errorf("%s still false after %v", expr, timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(interval):
		}
	}
}
