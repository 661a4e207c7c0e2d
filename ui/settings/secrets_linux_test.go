//go:build linux

package settings

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"fyne.io/fyne/v2/app"
	"github.com/zalando/go-keyring"
)

// These tests point the whole process at a bus of their own through
// DBUS_SESSION_BUS_ADDRESS (t.Setenv also forbids t.Parallel), so they run
// one after another and never touch the user's keyring.

const testService = "dev.onair.settingstest"

const installHint = "install: apt-get install gnome-keyring dbus"

// shortTempDir is for unix socket paths, which must stay under ~108 bytes
// (t.TempDir embeds the long test name).
func shortTempDir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "okr")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

func TestSecretsFallBackWithoutBus(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(shortTempDir(t), "no-bus-here"))

	start := time.Now()
	sec := OpenSecrets(testService)
	if d := time.Since(start); d > keyringTimeout+time.Second {
		t.Fatalf("OpenSecrets took %s with no bus", d)
	}
	checkMemoryOnly(t, sec)
}

// A bus that accepts the connection and never answers is what a stuck
// D-Bus activation looks like: OpenSecrets must give up on time.
func TestSecretsFallBackWhenBusHangs(t *testing.T) {
	sock := filepath.Join(shortTempDir(t), "hung")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c) // held open, never answered
			mu.Unlock()
		}
	}()
	// Closing the connections ends the abandoned keyring goroutine (and
	// frees godbus's session-bus lock for the next test).
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+sock)

	start := time.Now()
	sec := OpenSecrets(testService)
	d := time.Since(start)
	if d < keyringTimeout-100*time.Millisecond || d > keyringTimeout+time.Second {
		t.Fatalf("OpenSecrets returned after %s; want about %s (the timeout)", d, keyringTimeout)
	}
	_, err = sec.Available()
	var to errTimeout
	if !errors.As(err, &to) {
		t.Fatalf("cause = %v, want the timeout", err)
	}
	checkMemoryOnly(t, sec)
}

func checkMemoryOnly(t *testing.T, sec *Secrets) {
	t.Helper()
	ok, err := sec.Available()
	if ok || !errors.Is(err, ErrNoKeyring) {
		t.Fatalf("Available() = %v, %v; want false, ErrNoKeyring", ok, err)
	}
	var ke *KeyringError
	if !errors.As(err, &ke) || ke.Cause == nil {
		t.Fatalf("error %#v carries no cause", err)
	}
	if err.Error() != "no system keyring (Secret Service) available: keys are kept for this session only" {
		t.Fatalf("message = %q", err.Error())
	}

	start := time.Now()
	if err := sec.Set("a", "s3cret"); err != nil {
		t.Fatalf("Set in memory: %v", err)
	}
	if got, err := sec.Get("a"); err != nil || got != "s3cret" {
		t.Fatalf("Get in memory = %q, %v", got, err)
	}
	if err := sec.Delete("a"); err != nil {
		t.Fatalf("Delete in memory: %v", err)
	}
	if _, err := sec.Get("a"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete: %v, want ErrNotFound", err)
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Fatalf("memory calls took %s: they still wait for the keyring", d)
	}
}

func TestStreamKeyRoundTripsThroughKeyringAndIsAbsentFromPreferencesFile(t *testing.T) {
	root := shortTempDir(t)
	home := filepath.Join(root, "home")
	config := filepath.Join(home, ".config")
	data := filepath.Join(home, ".local", "share")
	runtime := filepath.Join(root, "run")
	for _, d := range []string{config, data, runtime} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}

	addr := startSessionBus(t, root)
	gkErr := startKeyring(t, addr, home, config, data, runtime)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", config)
	t.Setenv("XDG_DATA_HOME", data)
	waitForSecretService(t, gkErr)

	sec := OpenSecrets(testService)
	if ok, err := sec.Available(); !ok {
		var ke *KeyringError
		errors.As(err, &ke)
		t.Fatalf("Available() = false: %v (cause: %v)\ngnome-keyring-daemon: %s", err, ke.Cause, gkErr)
	}

	key := "live_" + randomHex(t)
	full := "rtmp://127.0.0.1:1935/live/" + key
	server, k := SplitRTMP(full)
	if k != key {
		t.Fatalf("SplitRTMP(%q) key = %q", full, k)
	}
	if err := SaveOutputSecret(sec, "rtmp1", k); err != nil {
		t.Fatal(err)
	}
	if got, err := OutputSecret(sec, "rtmp1"); err != nil || got != key {
		t.Fatalf("OutputSecret = %q, %v", got, err)
	}
	// It is in the Secret Service, not in this Secrets' memory: a second
	// client reads it back.
	if got, err := OpenSecrets(testService).Get(outputAccount("rtmp1")); err != nil || got != key {
		t.Fatalf("fresh Secrets read %q, %v", got, err)
	}
	if got, err := keyring.Get(testService, outputAccount("rtmp1")); err != nil || got != key {
		t.Fatalf("go-keyring read %q, %v", got, err)
	}

	// A real on-disk Fyne app saves, and another one loads as the next run
	// would. Each runs in a child process: Fyne's preferences file watcher
	// cannot be stopped and would recreate the directory after cleanup.
	// Preferences go to $XDG_CONFIG_HOME/fyne/<id>/preferences.json.
	runChild(t, "save", server)
	prefFile := filepath.Join(config, "fyne", testService, "preferences.json")
	b, err := os.ReadFile(prefFile)
	if err != nil {
		t.Fatalf("preferences not written where Fyne 2.7 keeps them: %v", err)
	}
	if !bytes.Contains(b, []byte(PrefKey)) || !bytes.Contains(b, []byte(server)) {
		t.Fatalf("%s lacks %s or the server URL %q:\n%s", prefFile, PrefKey, server, b)
	}
	if bytes.Contains(b, []byte(key)) {
		t.Fatalf("%s contains the stream key:\n%s", prefFile, b)
	}
	if _, err := os.Stat(filepath.Join(data, "keyrings")); err != nil {
		t.Fatalf("gnome-keyring did not store under the test's XDG_DATA_HOME: %v", err)
	}
	if got := runChild(t, "load", ""); got != full {
		t.Fatalf("the next run rebuilt %q from preferences and keyring, want %q", got, full)
	}

	if err := SaveOutputSecret(sec, "rtmp1", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := OutputSecret(sec, "rtmp1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after deleting, OutputSecret: %v, want ErrNotFound", err)
	}
}

// childMode selects what the test binary does when started by runChild.
const childMode = "ONAIR_SETTINGS_TEST_CHILD"

func TestMain(m *testing.M) {
	if mode := os.Getenv(childMode); mode != "" {
		out, err := child(mode, os.Getenv("ONAIR_SETTINGS_TEST_SERVER"))
		if err != nil {
			os.Stderr.WriteString("child " + mode + ": " + err.Error() + "\n")
			os.Exit(2)
		}
		os.Stdout.WriteString(out)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// child is one run of the app. "save": remember an RTMP output whose key
// is already in the keyring. "load": print the publish URL rebuilt from
// the preferences and the keyring.
func child(mode, server string) (string, error) {
	sec := OpenSecrets(testService)
	if ok, err := sec.Available(); !ok {
		return "", err
	}
	a := app.NewWithID(testService)
	switch mode {
	case "save":
		if _, err := OutputSecret(sec, "rtmp1"); err != nil {
			return "", err
		}
		s := Defaults()
		s.Outputs = append(s.Outputs, Output{ID: "rtmp1", Kind: KindRTMP, URL: server, Enabled: true, HasSecret: true})
		return "", Save(a.Preferences(), s)
	case "load":
		for _, o := range Load(a.Preferences()).Outputs {
			if o.Kind == KindRTMP && o.HasSecret {
				key, err := OutputSecret(sec, o.ID)
				if err != nil {
					return "", err
				}
				return JoinRTMP(o.URL, key), nil
			}
		}
		return "", errors.New("no RTMP output with a key was loaded")
	}
	return "", errors.New("unknown mode")
}

// runChild runs this test binary in child mode with the test's environment
// (bus, HOME, XDG dirs) and returns its stdout.
func runChild(t *testing.T, mode, server string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childMode+"="+mode, "ONAIR_SETTINGS_TEST_SERVER="+server)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("child %s: %v\n%s", mode, err, &stderr)
	}
	return stdout.String()
}

func randomHex(t *testing.T) string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func lookTools(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			t.Fatalf("%s not found: %s", n, installHint)
		}
	}
}

// startSessionBus runs a private dbus-daemon with no service directories,
// so nothing (not the user's gnome-keyring) is activated on it.
func startSessionBus(t *testing.T, dir string) string {
	t.Helper()
	lookTools(t, "dbus-daemon")
	conf := filepath.Join(dir, "bus.conf")
	err := os.WriteFile(conf, []byte(`<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=`+filepath.Join(dir, "bus")+`</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("dbus-daemon", "--config-file="+conf, "--nofork", "--print-address")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start(t, cmd)

	line := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(out).ReadString('\n')
		line <- strings.TrimSpace(l)
	}()
	select {
	case addr := <-line:
		if addr == "" {
			t.Fatalf("dbus-daemon printed no address: %s", &stderr)
		}
		return addr
	case <-time.After(5 * time.Second):
		t.Fatalf("dbus-daemon gave no address within 5 s: %s", &stderr)
	}
	return ""
}

// startKeyring runs gnome-keyring-daemon's Secret Service on the bus, with
// a login collection created and unlocked by a password on stdin, all
// under the test's directories. The returned buffer collects its stderr.
func startKeyring(t *testing.T, addr, home, config, data, runtime string) *syncBuffer {
	t.Helper()
	lookTools(t, "gnome-keyring-daemon")
	cmd := exec.Command("gnome-keyring-daemon", "--foreground", "--components=secrets", "--unlock")
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + config,
		"XDG_DATA_HOME=" + data,
		"XDG_RUNTIME_DIR=" + runtime,
		"DBUS_SESSION_BUS_ADDRESS=" + addr,
	}
	cmd.Stdin = strings.NewReader("onair-test-password")
	stderr := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = stderr, stderr
	start(t, cmd)
	return stderr
}

// waitForSecretService polls until the daemon owns its name and answers
// a lookup (not-found is an answer).
func waitForSecretService(t *testing.T, log *syncBuffer) {
	t.Helper()
	probe := &Secrets{timeout: time.Second}
	var err error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		err = probe.bounded(func() error {
			_, err := keyring.Get(testService, "readiness")
			return err
		})
		if errors.Is(err, keyring.ErrNotFound) {
			return
		}
	}
	t.Fatalf("Secret Service not ready within 10 s: %v\ngnome-keyring-daemon: %s", err, log)
}

// start runs cmd in its own process group and stops the group at cleanup:
// SIGTERM, then SIGKILL if it has not exited within 3 s.
func start(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v (%s)", cmd.Path, err, installHint)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	pgid := cmd.Process.Pid
	t.Cleanup(func() {
		syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-done:
			return
		case <-time.After(3 * time.Second):
		}
		syscall.Kill(-pgid, syscall.SIGKILL)
		select {
		case <-done:
		case <-time.After(2 * time.Second):
			t.Errorf("%s (pid %d) did not exit after SIGKILL", cmd.Path, pgid)
		}
	})
}

// syncBuffer is a bytes.Buffer safe for a child's output and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
