package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// installHint is what to run when a tool of the window tests is missing.
const installHint = "install: apt-get install xvfb xdotool imagemagick"

// Screen is the size of every test display; the window (1280x820) fits.
const (
	screenW, screenH = 1440, 900
	firstDisplay     = 90
	lastDisplay      = 189
)

// requireTools fails the test (never skips) if a tool is missing.
func requireTools(t *testing.T) {
	t.Helper()
	for _, name := range []string{"Xvfb", "xdotool", "import"} {
		if _, err := exec.LookPath(name); err != nil {
			t.Fatalf("%s not found: %s", name, installHint)
		}
	}
}

// startXvfb runs an X server of its own on the first free display number
// from :90, local connections only, and stops it at cleanup. It returns the
// DISPLAY value (":n").
func startXvfb(t *testing.T) string {
	t.Helper()
	requireTools(t)
	var tried []string
	for n := firstDisplay; n <= lastDisplay; n++ {
		socket, lock := fmt.Sprintf("/tmp/.X11-unix/X%d", n), fmt.Sprintf("/tmp/.X%d-lock", n)
		if exists(socket) || exists(lock) {
			continue
		}
		disp := fmt.Sprintf(":%d", n)
		var stderr bytes.Buffer
		cmd := exec.Command("Xvfb", disp, "-screen", "0", fmt.Sprintf("%dx%dx24", screenW, screenH), "-nolisten", "tcp")
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatalf("starting Xvfb: %v (%s)", err, installHint)
		}
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		if waitFor(10*time.Second, func() bool { return exists(socket) }, done) {
			t.Cleanup(func() { stop(t, "Xvfb "+disp, cmd, done, 5*time.Second) })
			return disp
		}
		select {
		case <-done: // lost the display to another server: try the next one
			tried = append(tried, fmt.Sprintf("%s: %s", disp, strings.TrimSpace(stderr.String())))
			continue
		default:
		}
		stop(t, "Xvfb "+disp, cmd, done, 5*time.Second)
		t.Fatalf("Xvfb %s started but made no socket %s within 10 s: %s", disp, socket, stderr.String())
	}
	t.Fatalf("no free X display in :%d…:%d (tried %q)", firstDisplay, lastDisplay, tried)
	return ""
}

// waitFor polls cond every 50 ms until it holds (true), timeout passes or
// done is closed (false).
func waitFor(timeout time.Duration, cond func() bool, done <-chan struct{}) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-done:
			return cond()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// stop ends a process we started: SIGTERM, then SIGKILL after grace.
// done is closed when its Wait returned.
func stop(t *testing.T, what string, cmd *exec.Cmd, done <-chan struct{}, grace time.Duration) {
	select {
	case <-done:
		return
	default:
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
		return
	case <-time.After(grace):
	}
	t.Logf("%s ignored SIGTERM for %v: killing it", what, grace)
	cmd.Process.Kill()
	<-done
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// runTool runs a short command with env, bounded by timeout, and returns
// its stdout.
func runTool(env []string, timeout time.Duration, name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("timed out after %v", timeout)
	}
	if err != nil {
		return stdout.Bytes(), fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}
