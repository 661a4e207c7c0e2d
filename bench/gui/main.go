// Command gui measures what the window costs on top of the session it shows:
// `onair gui --go-live` (preview on, then off) against the headless
// `onair publish` doing the same go-live (720p30 test pattern, libx264,
// WHIP to the built-in server in the same process), on its own Xvfb display.
// Each process is measured over the same wall-clock window, starting a
// warm-up after its session went live, from /proc/PID/stat; the window's own
// figures (preview rate and lag, dropped frames) come from --ui-stats.
// Configurations run interleaved (headless, gui-on, gui-off, ...) and the
// ratios are taken run by run. Markdown to stdout, progress to stderr.
//
//	bench/gui.sh     (builds onair and this, starts nothing else)
//	go run ./bench/gui -onair bench/.bin/onair -runs 3 -warmup 3s -window 20s
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

var (
	bin     = flag.String("onair", "bench/.bin/onair", "onair binary")
	runs    = flag.Int("runs", 3, "runs of each configuration, interleaved")
	warmup  = flag.Duration("warmup", 3*time.Second, "time after going live before the window opens")
	window  = flag.Duration("window", 20*time.Second, "measuring window")
	verbose = flag.Bool("v", false, "print each process's log tail")
	keep    = flag.Bool("keep", false, "keep the work directory (logs, stats files)")
)

func main() {
	flag.Parse()
	code := 0
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		code = 1
	}
	cleanup()
	os.Exit(code)
}

// ---- processes this program started, stopped on any exit ----

type proc struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

var (
	procsMu sync.Mutex
	procs   []*proc
	workDir string
)

func start(name string, cmd *exec.Cmd, logPath string) (*proc, error) {
	lf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = lf, lf
	// Its own process group, so anything it forks (the GStreamer plugin
	// scanner) goes with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); lf.Close(); close(p.done) }()
	procsMu.Lock()
	procs = append(procs, p)
	procsMu.Unlock()
	return p, nil
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM, waits up to grace, then SIGKILLs; it says which
// ended the process and how long the SIGTERM took.
func (p *proc) stop(grace time.Duration) string {
	defer p.reapGroup()
	if p.exited() {
		return "had exited"
	}
	t0 := time.Now()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return fmt.Sprintf("TERM %.1f s", time.Since(t0).Seconds())
	case <-time.After(grace):
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
	return fmt.Sprintf("KILL (TERM ignored %.0f s)", grace.Seconds())
}

// reapGroup kills what is left of the process group this program created.
func (p *proc) reapGroup() { _ = syscall.Kill(-p.pid(), syscall.SIGKILL) }

func cleanup() {
	procsMu.Lock()
	ps := append([]*proc(nil), procs...)
	procsMu.Unlock()
	for i := len(ps) - 1; i >= 0; i-- {
		ps[i].stop(5 * time.Second)
	}
	if workDir != "" {
		if *keep {
			fmt.Fprintln(os.Stderr, "bench: kept", workDir)
		} else {
			os.RemoveAll(workDir)
		}
	}
}

func init() {
	c := make(chan os.Signal, 1)
	signal.Notify(c, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		s := <-c
		fmt.Fprintln(os.Stderr, "bench: interrupted by", s)
		cleanup()
		os.Exit(130)
	}()
}

// ---- /proc ----

var clkTck = func() float64 {
	if out, err := exec.Command("getconf", "CLK_TCK").Output(); err == nil {
		if v, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64); err == nil && v > 0 {
			return v
		}
	}
	return 100
}()

// cpuSeconds is the process's user+system time (all its threads, live or
// ended; not its children).
func cpuSeconds(pid int) (float64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(raw)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	// Fields after the command name start at field 3 (state); utime and
	// stime are fields 14 and 15.
	ut, err1 := strconv.ParseFloat(f[11], 64)
	st, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: bad utime/stime", pid)
	}
	return (ut + st) / clkTck, nil
}

// busySeconds is the whole machine's non-idle CPU time, from /proc/stat.
func busySeconds() float64 {
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(raw), "\n")
	f := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal ...
	var busy float64
	for i := 1; i < len(f) && i <= 8; i++ {
		if i == 4 || i == 5 { // idle, iowait
			continue
		}
		v, _ := strconv.ParseFloat(f[i], 64)
		busy += v
	}
	return busy / clkTck
}

// statusKiB reads a "Key:  N kB" line of /proc/PID/status.
func statusKiB(pid int, key string) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), key+":"); ok {
			v, _ := strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
			return v
		}
	}
	return 0
}

// ---- Xvfb ----

func startXvfb() (*proc, string, error) {
	for n := 90; n < 190; n++ {
		sock := fmt.Sprintf("/tmp/.X11-unix/X%d", n)
		if exists(sock) || exists(fmt.Sprintf("/tmp/.X%d-lock", n)) {
			continue
		}
		disp := fmt.Sprintf(":%d", n)
		p, err := start("Xvfb", exec.Command("Xvfb", disp, "-screen", "0", "1440x900x24", "-nolisten", "tcp"),
			filepath.Join(workDir, fmt.Sprintf("xvfb-%d.log", n)))
		if err != nil {
			return nil, "", err
		}
		for i := 0; i < 100 && !p.exited() && !exists(sock); i++ {
			time.Sleep(100 * time.Millisecond)
		}
		if exists(sock) && !p.exited() {
			return p, disp, nil
		}
		p.stop(2 * time.Second) // another server took the number first: next one
	}
	return nil, "", errors.New("Xvfb did not start on any display :90..:189")
}

func exists(path string) bool { _, err := os.Stat(path); return err == nil }

// ---- one run ----

type kind int

const (
	headless kind = iota
	guiOn
	guiOff
)

var kindName = [...]string{"headless publish", "gui, preview on", "gui, preview off"}

type previewStats struct {
	Frames       uint64
	FPS          float64
	LagFrames    uint64
	MaxLagFrames uint64
}

type uiStats struct {
	At       time.Time    `json:"at"`
	Live     bool         `json:"live"`
	Captured uint64       `json:"captured"`
	Encoded  uint64       `json:"encoded"`
	Dropped  uint64       `json:"dropped"`
	Preview  previewStats `json:"preview"`
	Status   string       `json:"status"`
}

type result struct {
	kind     kind
	run      int
	cpu      float64 // onair CPU seconds in the window
	wall     float64 // window length, s
	xcpu     float64 // Xvfb CPU seconds in the window
	other    float64 // CPU seconds everything else on the machine used in the window
	hwmKiB   int64
	captured uint64 // session totals, start to end
	encoded  uint64
	dropped  uint64
	// GUI only: figures over the window (from the 1 Hz stats file, so
	// the rate uses its own timestamps).
	winDropped int64
	encodeFPS  float64
	lag, fps   []float64
	maxLag     uint64
	stop       string
}

func (r *result) pct() float64 { return 100 * r.cpu / r.wall }

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// env is ours with a private home: no saved settings, no keyring (the
// D-Bus probe fails at once), the GStreamer registry shared between runs.
func env(home, disp string) []string {
	var e []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case k == "HOME", k == "DISPLAY", k == "WAYLAND_DISPLAY", k == "DBUS_SESSION_BUS_ADDRESS",
			k == "ONAIR_LOG", k == "LIBGL_ALWAYS_SOFTWARE", strings.HasPrefix(k, "XDG_"):
			continue
		}
		e = append(e, kv)
	}
	e = append(e, "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"XDG_DATA_HOME="+filepath.Join(home, ".local/share"), "XDG_CACHE_HOME="+filepath.Join(workDir, "cache"),
		"DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent", "ONAIR_LOG=info")
	if disp != "" {
		e = append(e, "DISPLAY="+disp, "LIBGL_ALWAYS_SOFTWARE=1")
	}
	return e
}

func readStats(path string) (uiStats, bool) {
	var s uiStats
	raw, err := os.ReadFile(path)
	if err != nil || json.Unmarshal(raw, &s) != nil {
		return s, false
	}
	return s, true
}

var whipLiveRe = regexp.MustCompile(`output="whip[^\n]*state=live`)

var finishedRe = regexp.MustCompile(`msg=finished captured=(\d+) encoded=(\d+) dropped=(\d+)`)

func oneRun(k kind, i int, xvfb *proc, disp string) (*result, error) {
	tag := strings.ReplaceAll(strings.ReplaceAll(kindName[k], " ", ""), ",", "-")
	dir := filepath.Join(workDir, fmt.Sprintf("%d-%s", i, tag))
	home := filepath.Join(dir, "home")
	if err := os.MkdirAll(filepath.Join(home, ".config"), 0o755); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	statsPath := filepath.Join(dir, "ui-stats.json")
	logPath := filepath.Join(dir, "onair.log")
	var cmd *exec.Cmd
	if k == headless {
		// --duration is only a safety net: the window ends with SIGTERM, as the GUI's does.
		limit := *warmup + *window + time.Minute
		cmd = exec.Command(*bin, "publish", "--source", "testpattern", "--out", "local",
			"--server-addr", addr, "--duration", limit.String())
		cmd.Env = env(home, "")
	} else {
		pv := "on"
		if k == guiOff {
			pv = "off"
		}
		cmd = exec.Command(*bin, "gui", "--source", "testpattern", "--out", "local", "--server-addr", addr,
			"--go-live", "--preview", pv, "--ui-stats", statsPath)
		cmd.Env = env(home, disp)
	}
	cmd.Dir = dir
	p, err := start(kindName[k], cmd, logPath)
	if err != nil {
		return nil, err
	}
	defer p.stop(10 * time.Second)
	fail := func(format string, a ...any) (*result, error) {
		p.stop(10 * time.Second)
		return nil, fmt.Errorf("%s run %d: %s\n%s", kindName[k], i, fmt.Sprintf(format, a...), tail(logPath, 15))
	}

	// Wait until the session is live (and, for the GUI, encoding).
	deadline := time.Now().Add(60 * time.Second)
	for {
		if p.exited() {
			return fail("exited before going live (%v)", p.err)
		}
		if time.Now().After(deadline) {
			return fail("not live after 60 s")
		}
		if k == headless {
			if raw, _ := os.ReadFile(logPath); whipLiveRe.Match(raw) {
				break
			}
		} else if s, ok := readStats(statsPath); ok && s.Live && s.Encoded > 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(*warmup)

	r := &result{kind: k, run: i, winDropped: -1}
	s0, _ := readStats(statsPath)
	x0, _ := cpuSeconds(xvfb.pid())
	b0 := busySeconds()
	c0, err := cpuSeconds(p.pid())
	if err != nil {
		return fail("%v", err)
	}
	t0 := time.Now()
	var last uiStats
	tick := time.NewTicker(time.Second)
	for time.Since(t0) < *window-500*time.Millisecond {
		<-tick.C
		if p.exited() {
			tick.Stop()
			return fail("exited during the window (%v)", p.err)
		}
		if k == headless {
			continue
		}
		s, ok := readStats(statsPath)
		if !ok {
			continue
		}
		if !s.Live {
			tick.Stop()
			return fail("no longer live during the window: %s", s.Status)
		}
		last = s
		if k == guiOn {
			r.lag = append(r.lag, float64(s.Preview.LagFrames))
			r.fps = append(r.fps, s.Preview.FPS)
		}
	}
	tick.Stop()
	if d := *window - time.Since(t0); d > 0 {
		time.Sleep(d)
	}
	c1, err := cpuSeconds(p.pid())
	if err != nil {
		return fail("%v", err)
	}
	x1, _ := cpuSeconds(xvfb.pid())
	b1 := busySeconds()
	r.wall = time.Since(t0).Seconds()
	r.cpu, r.xcpu = c1-c0, x1-x0
	r.other = math.Max(0, (b1-b0)-r.cpu-r.xcpu)
	r.hwmKiB = statusKiB(p.pid(), "VmHWM")
	if k != headless {
		if s, ok := readStats(statsPath); ok {
			last = s
		}
		r.captured, r.encoded, r.dropped = last.Captured, last.Encoded, last.Dropped
		r.winDropped = int64(last.Dropped) - int64(s0.Dropped)
		if dt := last.At.Sub(s0.At).Seconds(); dt > 0 {
			r.encodeFPS = float64(last.Encoded-s0.Encoded) / dt
		}
		r.maxLag = last.Preview.MaxLagFrames
	}
	r.stop = p.stop(10 * time.Second)
	if k == headless {
		raw, _ := os.ReadFile(logPath)
		m := finishedRe.FindSubmatch(raw)
		if m == nil {
			return fail("no 'finished' line after SIGTERM")
		}
		r.captured, _ = strconv.ParseUint(string(m[1]), 10, 64)
		r.encoded, _ = strconv.ParseUint(string(m[2]), 10, 64)
		r.dropped, _ = strconv.ParseUint(string(m[3]), 10, 64)
	}
	if *verbose {
		fmt.Fprintf(os.Stderr, "--- %s run %d log tail\n%s\n", kindName[k], i, tail(logPath, 8))
	}
	return r, nil
}

func tail(path string, n int) string {
	raw, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// ---- figures ----

func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func minMax(v []float64) (float64, float64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range v {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	return lo, hi
}

func verdict(r, goal float64) string {
	if r <= goal {
		return "met"
	}
	return "MISSED"
}

func list(v []float64, format string) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprintf(format, x)
	}
	return strings.Join(s, ", ")
}

func run() error {
	if _, err := exec.LookPath("Xvfb"); err != nil {
		return errors.New("Xvfb missing: install: apt-get install xvfb")
	}
	if st, err := os.Stat(*bin); err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
		return fmt.Errorf("onair binary %s is not executable (build: go build -o bench/.bin/onair .)", *bin)
	}
	if abs, err := filepath.Abs(*bin); err == nil {
		*bin = abs
	}
	var err error
	if workDir, err = os.MkdirTemp(os.Getenv("TMPDIR"), "onair-gui-bench."); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(workDir, "cache"), 0o755); err != nil {
		return err
	}
	xvfb, disp, err := startXvfb()
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "bench: Xvfb on %s (pid %d), work dir %s\n", disp, xvfb.pid(), workDir)

	// One throw-away headless start so the GStreamer registry (shared
	// cache) is built before the first measured run.
	fmt.Fprintln(os.Stderr, "bench: warming the GStreamer registry")
	{
		port, _ := freePort()
		home := filepath.Join(workDir, "prime-home")
		os.MkdirAll(home, 0o755)
		c := exec.Command(*bin, "publish", "--out", "local", "--server-addr", fmt.Sprintf("127.0.0.1:%d", port), "--duration", "1s")
		c.Env = env(home, "")
		if p, err := start("prime", c, filepath.Join(workDir, "prime.log")); err == nil {
			select {
			case <-p.done:
			case <-time.After(60 * time.Second):
				p.stop(5 * time.Second)
			}
		}
	}

	var all []*result
	by := map[kind][]*result{}
	for i := 1; i <= *runs; i++ {
		for _, k := range []kind{headless, guiOn, guiOff} {
			fmt.Fprintf(os.Stderr, "bench: run %d/%d %s (%v warm-up + %v window)\n", i, *runs, kindName[k], *warmup, *window)
			r, err := oneRun(k, i, xvfb, disp)
			if err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "bench:   CPU %.2f s (%.1f %% of a core), Xvfb %.2f s, peak RSS %.0f MiB, stop: %s\n",
				r.cpu, r.pct(), r.xcpu, float64(r.hwmKiB)/1024, r.stop)
			all = append(all, r)
			by[k] = append(by[k], r)
		}
	}
	if xvfb.exited() {
		return errors.New("Xvfb exited during the benchmark")
	}
	report(all, by, disp)
	return nil
}

func report(all []*result, by map[kind][]*result, disp string) {
	n := len(by[headless])
	fmt.Printf("## onair gui vs headless publish: 720p30 test pattern, x264 → built-in WHIP server, %v window %v after going live, %d runs each, interleaved\n\n",
		*window, *warmup, n)
	fmt.Printf("%d CPUs (%s), Xvfb %s 1440x900x24, LIBGL_ALWAYS_SOFTWARE=1; window 1280×820 as the app opens it\n\n", runtime.NumCPU(), cpuModel(), disp)
	fmt.Println("| run | process | CPU s | % of a core | Xvfb CPU s | other load, % of a core | peak RSS MiB | dropped total (in window) | encoded fps in window | preview lag p50 / max (MaxLagFrames) | preview FPS p50 / min | stopped by |")
	fmt.Println("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
	for _, r := range all {
		drop := fmt.Sprint(r.dropped)
		enc := "—"
		if r.winDropped >= 0 {
			drop += fmt.Sprintf(" (%d)", r.winDropped)
			enc = fmt.Sprintf("%.1f", r.encodeFPS)
		}
		lag, fps := "—", "—"
		if r.kind == guiOn && len(r.lag) > 0 {
			_, hi := minMax(r.lag)
			lo, _ := minMax(r.fps)
			lag = fmt.Sprintf("%.0f / %.0f (%d)", median(r.lag), hi, r.maxLag)
			fps = fmt.Sprintf("%.0f / %.0f", median(r.fps), lo)
		}
		fmt.Printf("| %d | %s | %.2f | %.1f | %.2f | %.0f | %.1f | %s | %s | %s | %s | %s |\n", r.run, kindName[r.kind],
			r.cpu, r.pct(), r.xcpu, 100*r.other/r.wall, float64(r.hwmKiB)/1024, drop, enc, lag, fps, r.stop)
	}
	fmt.Println()
	fmt.Printf("Other load is what the rest of the machine used during the window (of %d cores): high values mean a noisy run.\n\n", runtime.NumCPU())

	ratios := func(k kind, withX bool) []float64 {
		var v []float64
		for i, r := range by[k] {
			h := by[headless][i]
			a, b := r.pct(), h.pct()
			if withX {
				a += 100 * r.xcpu / r.wall
				b += 100 * h.xcpu / h.wall
			}
			v = append(v, a/b)
		}
		return v
	}
	pcts := func(k kind) []float64 {
		var v []float64
		for _, r := range by[k] {
			v = append(v, r.pct())
		}
		return v
	}
	fmt.Printf("- median CPU, %% of one core: headless **%.1f**, gui preview on **%.1f**, gui preview off **%.1f**\n",
		median(pcts(headless)), median(pcts(guiOn)), median(pcts(guiOff)))
	on, off := ratios(guiOn, false), ratios(guiOff, false)
	fmt.Printf("- CPU ratio gui preview on / headless: **%.3f** median (%s); goal ≤ 1.25: **%s**\n",
		median(on), list(on, "%.3f"), verdict(median(on), 1.25))
	fmt.Printf("- CPU ratio gui preview off / headless: **%.3f** median (%s); goal ≤ 1.05: **%s**\n",
		median(off), list(off, "%.3f"), verdict(median(off), 1.05))
	onX, offX := ratios(guiOn, true), ratios(guiOff, true)
	fmt.Printf("- the same counting the X server's CPU in the window (it receives every drawn frame): on **%.3f**, off **%.3f**\n",
		median(onX), median(offX))
	var p50s, maxes, maxLag, fps50, fpsMin []float64
	for _, r := range by[guiOn] {
		_, hi := minMax(r.lag)
		lo, _ := minMax(r.fps)
		p50s, maxes, maxLag = append(p50s, median(r.lag)), append(maxes, hi), append(maxLag, float64(r.maxLag))
		fps50, fpsMin = append(fps50, median(r.fps)), append(fpsMin, lo)
	}
	_, worstSample := minMax(maxes)
	_, worstLag := minMax(maxLag)
	worstFPS, _ := minMax(fpsMin)
	fmt.Printf("- preview lag behind the encoders' input, sampled each second: p50 **%.0f** frames (median of runs), max sampled **%.0f**, MaxLagFrames (whole run, start-up included) **%.0f**\n",
		median(p50s), worstSample, worstLag)
	fmt.Printf("- preview frame rate while live: p50 **%.0f** fps (median of runs), min over any second **%.0f**\n", median(fps50), worstFPS)
	hwm := func(k kind) float64 {
		var v []float64
		for _, r := range by[k] {
			v = append(v, float64(r.hwmKiB)/1024)
		}
		return median(v)
	}
	fmt.Printf("- peak RSS (VmHWM at the window's end), median: headless **%.0f MiB**, gui preview on **%.0f MiB**, gui preview off **%.0f MiB**\n",
		hwm(headless), hwm(guiOn), hwm(guiOff))
}

func cpuModel() string {
	raw, _ := os.ReadFile("/proc/cpuinfo")
	for _, l := range strings.Split(string(raw), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}
