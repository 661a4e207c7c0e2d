package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/onair-dev/onair/internal/testenv"
)

// Bounds of the waits on the window.
const (
	startTimeout = 30 * time.Second // the first --ui-stats write (font index built on the first start)
	quitTimeout  = 5 * time.Second  // SIGTERM to exit
	toolTimeout  = 10 * time.Second // one xdotool or import call
)

// rect is a widget's place in window coordinates, as --ui-stats writes it.
type rect struct{ X, Y, W, H float64 }

// uiStats mirrors what `onair gui --ui-stats FILE` writes (ui.UIStats),
// read back as JSON so this package does not link Fyne.
type uiStats struct {
	At       time.Time `json:"at"`
	Live     bool      `json:"live"`
	Captured uint64    `json:"captured"`
	Encoded  uint64    `json:"encoded"`
	Dropped  uint64    `json:"dropped"`
	Preview  struct {
		Frames    uint64
		FPS       float64
		LagFrames uint64
	} `json:"preview"`
	Scale      float64         `json:"scale"`
	Widgets    map[string]rect `json:"widgets"`
	SyncPoints int             `json:"sync_points"`
	Status     string          `json:"status"`
}

// appConfig is one run of `onair gui`.
type appConfig struct {
	name  string   // prefix of its artifacts
	args  []string // flags after `gui` (--ui-stats is added)
	wrap  []string // a command to run the binary under, e.g. unshare …
	cache string   // XDG_CACHE_HOME; "" is sharedCache
}

// app is the onair window running under a test display.
type app struct {
	t       *testing.T
	name    string
	display string
	cmd     *exec.Cmd
	done    chan struct{} // closed when the process has been waited for
	stats   string
	logPath string
	logFile *os.File
	origin  image.Point // the window's top-left on the screen
	size    image.Point
}

// startApp runs the binary with a fresh HOME and XDG_CONFIG_HOME, no
// session bus (the keyring probe fails fast and falls back), software GL and
// a neutral locale, waits for its first --ui-stats write and its window.
// Cleanup ends it (SIGTERM, then SIGKILL) and keeps its log as an artifact.
func startApp(t *testing.T, display string, c appConfig) *app {
	t.Helper()
	dir := t.TempDir()
	home, config, data := filepath.Join(dir, "home"), filepath.Join(dir, "config"), filepath.Join(dir, "data")
	for _, d := range []string{home, config, data} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	cache := c.cache
	if cache == "" {
		cache = sharedCache
	}
	a := &app{t: t, name: c.name, display: display, done: make(chan struct{}),
		stats: filepath.Join(dir, "ui-stats.json"), logPath: filepath.Join(dir, "onair.log")}
	var err error
	if a.logFile, err = os.Create(a.logPath); err != nil {
		t.Fatal(err)
	}
	args := append(append(append([]string{}, c.wrap...), onairBin(t), "gui"), c.args...)
	args = append(args, "--ui-stats", a.stats)
	a.cmd = exec.Command(args[0], args[1:]...)
	a.cmd.Env = appEnv(display, home, config, data, cache, filepath.Join(dir, "no-bus"))
	a.cmd.Stdout, a.cmd.Stderr = a.logFile, a.logFile
	if err := a.cmd.Start(); err != nil {
		a.logFile.Close()
		t.Fatalf("starting %v: %v", args, err)
	}
	go func() { a.cmd.Wait(); close(a.done) }()
	t.Cleanup(a.cleanup)
	t.Logf("%s: %s", c.name, strings.Join(args, " "))

	a.waitStats(startTimeout, "the first --ui-stats write", func(uiStats) bool { return true })
	a.findWindow()
	return a
}

// appEnv is the environment of one run: the test's own minus whatever
// would reach a developer's desktop, settings, fonts setup or language.
func appEnv(display, home, config, data, cache, bus string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case k == "DISPLAY", k == "WAYLAND_DISPLAY", k == "HOME", k == "DBUS_SESSION_BUS_ADDRESS",
			k == "LANG", k == "LANGUAGE", k == "LIBGL_ALWAYS_SOFTWARE",
			strings.HasPrefix(k, "XDG_"), strings.HasPrefix(k, "LC_"), strings.HasPrefix(k, "FONTCONFIG_"),
			strings.HasPrefix(k, "FYNE_"):
			continue
		}
		env = append(env, kv)
	}
	return append(env, "DISPLAY="+display, "HOME="+home, "XDG_CONFIG_HOME="+config, "XDG_DATA_HOME="+data,
		"XDG_CACHE_HOME="+cache, "DBUS_SESSION_BUS_ADDRESS=unix:path="+bus, "LIBGL_ALWAYS_SOFTWARE=1", "LANG=C.UTF-8")
}

// toolEnv is the environment of xdotool and import.
func toolEnv(display string) []string {
	env := []string{"DISPLAY=" + display}
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k != "DISPLAY" && k != "WAYLAND_DISPLAY" {
			env = append(env, kv)
		}
	}
	return env
}

func (a *app) cleanup() {
	stop(a.t, "onair "+a.name, a.cmd, a.done, quitTimeout)
	a.logFile.Close()
	if b, err := os.ReadFile(a.logPath); err == nil {
		p := filepath.Join(artifactsDir(a.t), a.name+".log")
		if err := os.WriteFile(p, b, 0o644); err == nil {
			a.t.Logf("%s: log kept at %s", a.name, p)
		}
	}
}

// exited reports whether the process has ended.
func (a *app) exited() bool {
	select {
	case <-a.done:
		return true
	default:
		return false
	}
}

// log is what the app wrote to stdout and stderr so far.
func (a *app) log() string {
	b, _ := os.ReadFile(a.logPath)
	return string(b)
}

func (a *app) logTail() string {
	s := a.log()
	if len(s) > 3000 {
		s = "…" + s[len(s)-3000:]
	}
	return s
}

// readStats reads the last --ui-stats write (the app renames it into place).
func (a *app) readStats() (uiStats, error) {
	var st uiStats
	b, err := os.ReadFile(a.stats)
	if err != nil {
		return st, err
	}
	err = json.Unmarshal(b, &st)
	return st, err
}

// waitStats polls the stats until cond holds, failing the test after
// timeout or if the app exits.
func (a *app) waitStats(timeout time.Duration, what string, cond func(uiStats) bool) uiStats {
	a.t.Helper()
	deadline := time.Now().Add(timeout)
	var last uiStats
	var err error
	for {
		if last, err = a.readStats(); err == nil && cond(last) {
			return last
		}
		if a.exited() {
			a.t.Fatalf("%s: onair exited (%v) while waiting for %s; log:\n%s", a.name, a.cmd.ProcessState, what, a.logTail())
		}
		if time.Now().After(deadline) {
			a.t.Fatalf("%s: no %s within %v (last stats %+v, err %v); log:\n%s", a.name, what, timeout, last, err, a.logTail())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

var errNoWindow = errors.New("no visible window named onair")

var (
	rePosition = regexp.MustCompile(`Position: (-?\d+),(-?\d+)`)
	reGeometry = regexp.MustCompile(`Geometry: (\d+)x(\d+)`)
)

// findWindow asks xdotool where the window is.
func (a *app) findWindow() {
	a.t.Helper()
	var out []byte
	var err error
	ok := waitFor(10*time.Second, func() bool {
		out, err = runTool(toolEnv(a.display), toolTimeout, "xdotool", "search", "--onlyvisible", "--name", "^onair$", "getwindowgeometry")
		return err == nil && rePosition.Match(out)
	}, a.done)
	if !ok {
		a.t.Fatalf("%s: %v (%v: %s)", a.name, errNoWindow, err, out)
	}
	p, g := rePosition.FindSubmatch(out), reGeometry.FindSubmatch(out)
	a.origin.X, _ = strconv.Atoi(string(p[1]))
	a.origin.Y, _ = strconv.Atoi(string(p[2]))
	if g != nil {
		a.size.X, _ = strconv.Atoi(string(g[1]))
		a.size.Y, _ = strconv.Atoi(string(g[2]))
	}
	a.t.Logf("%s: window at %v, %dx%d", a.name, a.origin, a.size.X, a.size.Y)
}

// widget is where the named widget is on the screen, in pixels.
func (a *app) widget(st uiStats, name string) image.Rectangle {
	a.t.Helper()
	r, ok := st.Widgets[name]
	if !ok || r.W <= 0 || r.H <= 0 {
		a.t.Fatalf("%s: no widget %q in the stats: %+v", a.name, name, st.Widgets)
	}
	s := st.Scale
	if s <= 0 {
		s = 1
	}
	return image.Rect(a.origin.X+int(math.Floor(r.X*s)), a.origin.Y+int(math.Floor(r.Y*s)),
		a.origin.X+int(math.Ceil((r.X+r.W)*s)), a.origin.Y+int(math.Ceil((r.Y+r.H)*s)))
}

// click presses and releases the left button at the centre of a widget.
func (a *app) click(st uiStats, name string) {
	a.t.Helper()
	r := a.widget(st, name)
	x, y := (r.Min.X+r.Max.X)/2, (r.Min.Y+r.Max.Y)/2
	if out, err := runTool(toolEnv(a.display), toolTimeout, "xdotool", "mousemove", "--sync", strconv.Itoa(x), strconv.Itoa(y), "click", "1"); err != nil {
		a.t.Fatalf("%s: clicking %s at %d,%d: %v %s", a.name, name, x, y, err, out)
	}
}

// screenshot grabs the whole screen into the artifacts folder as name.png
// and decodes it.
func (a *app) screenshot(name string) (*image.RGBA, string) {
	a.t.Helper()
	path := filepath.Join(artifactsDir(a.t), name+".png")
	if out, err := runTool(toolEnv(a.display), toolTimeout, "import", "-window", "root", path); err != nil {
		a.t.Fatalf("screenshot: %v %s (%s)", err, out, installHint)
	}
	f, err := os.Open(path)
	if err != nil {
		a.t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		a.t.Fatalf("decoding %s: %v", path, err)
	}
	a.t.Logf("screenshot %s", path)
	return toRGBA(img), path
}

// quit sends SIGTERM and waits for the exit; it fails the test if the app
// ignores it or exits with an error. It returns how long the exit took.
func (a *app) quit() time.Duration {
	a.t.Helper()
	start := time.Now()
	if err := a.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		a.t.Fatalf("%s: SIGTERM: %v", a.name, err)
	}
	select {
	case <-a.done:
	case <-time.After(quitTimeout):
		a.t.Errorf("%s: onair ignored SIGTERM for %v: killing it", a.name, quitTimeout)
		a.cmd.Process.Kill()
		<-a.done
		return time.Since(start)
	}
	took := time.Since(start)
	if code := a.cmd.ProcessState.ExitCode(); code != 0 {
		a.t.Errorf("%s: onair exited with %v after SIGTERM, want status 0 (a clean quit); log:\n%s", a.name, a.cmd.ProcessState, a.logTail())
	}
	return took
}

// artifactsDir is where screenshots and logs are kept: $ONAIR_ARTIFACTS
// (a relative path is taken from the repository root, where make runs),
// else <repo>/test-artifacts/ui/.
func artifactsDir(t *testing.T) string {
	dir := os.Getenv("ONAIR_ARTIFACTS")
	switch {
	case dir == "":
		dir = filepath.Join(testenv.RepoRoot(), "test-artifacts", "ui")
	case !filepath.IsAbs(dir):
		dir = filepath.Join(testenv.RepoRoot(), dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("artifacts folder: %v", err)
	}
	return dir
}

// threadErrors counts Fyne's complaints about widgets touched off its
// goroutine in a log.
func threadErrors(log string) int {
	return strings.Count(log, "Error in Fyne call thread")
}

func describe(r image.Rectangle) string {
	return fmt.Sprintf("%dx%d at %d,%d", r.Dx(), r.Dy(), r.Min.X, r.Min.Y)
}
