// End-to-end tests: the real onair binary, built once, run as a subprocess
// against real peers on 127.0.0.1 (nginx-rtmp, Go listeners) and checked
// with ffprobe. These are the project's acceptance tests.
package cli_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/onair-dev/onair/internal/nginxrtmp"
	"github.com/onair-dev/onair/internal/testenv"
)

// onairBin is the binary TestMain built.
var onairBin string

func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	goTool, err := exec.LookPath("go")
	if err != nil {
		if root := os.Getenv("GOROOT"); root != "" {
			goTool = filepath.Join(root, "bin", "go")
		}
	}
	if goTool == "" {
		fmt.Fprintln(os.Stderr, "e2e: go tool not found on PATH (or in $GOROOT/bin)")
		return 1
	}
	dir, err := os.MkdirTemp("", "onair-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	onairBin = filepath.Join(dir, "onair")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, goTool, "build", "-o", onairBin, "github.com/onair-dev/onair")
	build.Dir = testenv.RepoRoot()
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: building onair: %v\n%s\n", err, out)
		return 1
	}
	return m.Run()
}

// result is one finished onair run.
type result struct {
	code           int
	stdout, stderr string
	elapsed        time.Duration
}

func (r result) String() string {
	return fmt.Sprintf("exit %d after %v\nstdout:\n%s\nstderr:\n%s", r.code, r.elapsed.Round(time.Millisecond), r.stdout, r.stderr)
}

// command prepares onair with args; the context bounds the whole run.
func command(ctx context.Context, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	cmd := exec.CommandContext(ctx, onairBin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Env = append(os.Environ(), "ONAIR_LOG=info")
	cmd.WaitDelay = 2 * time.Second
	return cmd, &stdout, &stderr
}

// onair runs the binary to the end, failing the test if it outlives limit.
func onair(t *testing.T, limit time.Duration, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd, stdout, stderr := command(ctx, args...)
	start := time.Now()
	err := cmd.Run()
	return finish(t, ctx, limit, args, start, err, cmd, stdout, stderr)
}

func finish(t *testing.T, ctx context.Context, limit time.Duration, args []string, start time.Time, err error, cmd *exec.Cmd, stdout, stderr *bytes.Buffer) result {
	t.Helper()
	r := result{stdout: stdout.String(), stderr: stderr.String(), elapsed: time.Since(start)}
	if ctx.Err() != nil {
		t.Fatalf("onair %s did not finish within %v (killed)\n%s", strings.Join(args, " "), limit, r)
	}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	default:
		t.Fatalf("onair %s: %v", strings.Join(args, " "), err)
	}
	t.Logf("onair %s: exit %d in %v", strings.Join(args, " "), r.code, r.elapsed.Round(time.Millisecond))
	return r
}

// wantExit fails unless the run ended with code.
func wantExit(t *testing.T, r result, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("want exit %d, got\n%s", code, r)
	}
}

// noSecret fails if a stream key reached stdout or stderr.
func noSecret(t *testing.T, r result, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(r.stdout, s) || strings.Contains(r.stderr, s) {
			t.Fatalf("stream key %q printed:\n%s", s, r)
		}
	}
}

// checkMedia asserts a recording (or what nginx received) holds H.264
// 1280x720 and AAC 48 kHz, frames±tol video frames, and audio and video
// ending within 50 ms of each other and of wantDur.
func checkMedia(t *testing.T, path string, frames, tol int, wantDur float64) {
	t.Helper()
	streams := testenv.Probe(t, path)
	v := testenv.Find(t, streams, "video")
	a := testenv.Find(t, streams, "audio")
	if v.CodecName != "h264" || v.Width != 1280 || v.Height != 720 {
		t.Errorf("%s: video %s %dx%d, want h264 1280x720", path, v.CodecName, v.Width, v.Height)
	}
	if a.CodecName != "aac" || a.SampleRate != "48000" {
		t.Errorf("%s: audio %s %s Hz, want aac 48000 Hz", path, a.CodecName, a.SampleRate)
	}
	if n := v.Frames(); n < frames-tol || n > frames+tol {
		t.Errorf("%s: %d video frames, want %d±%d", path, n, frames, tol)
	}
	if a.Frames() == 0 {
		t.Errorf("%s: no audio frames decoded", path)
	}
	vd, ad := testenv.StreamDurations(t, path)
	t.Logf("%s: %d video frames, %d audio frames, video %.3f s, audio %.3f s", path, v.Frames(), a.Frames(), vd, ad)
	if math.Abs(vd-ad) > 0.050 {
		t.Errorf("%s: video lasts %.3f s, audio %.3f s: more than 50 ms apart", path, vd, ad)
	}
	if math.Abs(vd-wantDur) > 0.2 {
		t.Errorf("%s: video lasts %.3f s, want %.1f s", path, vd, wantDur)
	}
}

// TestPublishRTMPAndRecord is a 10 s real-time go-live to nginx-rtmp and a
// local recording at once; both must hold exactly what was sent.
func TestPublishRTMPAndRecord(t *testing.T) {
	t.Parallel()
	s := nginxrtmp.Start(t)
	mkv := filepath.Join(t.TempDir(), "a.mkv")
	r := onair(t, 60*time.Second, "publish", "--duration", "10s", "--out", s.URL(nginxrtmp.Key), "--out", "record:"+mkv)
	wantExit(t, r, 0)
	noSecret(t, r, nginxrtmp.Key)
	if r.elapsed < 9*time.Second {
		t.Errorf("a real-time 10 s run took only %v", r.elapsed)
	}
	s.Stop() // nginx closes its recording
	checkMedia(t, s.RecordPath(nginxrtmp.Key), 300, 3, 10)
	checkMedia(t, mkv, 300, 3, 10)
}

// TestPublishSurvivesServerKill kills nginx 4 s into an 8 s run: the RTMP
// output fails (and says so), the recording is complete.
func TestPublishSurvivesServerKill(t *testing.T) {
	t.Parallel()
	s := nginxrtmp.Start(t)
	mkv := filepath.Join(t.TempDir(), "b.mkv")
	args := []string{"publish", "--duration", "8s", "--out", s.URL(nginxrtmp.Key), "--out", "record:" + mkv}
	const limit = 60 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd, stdout, stderr := command(ctx, args...)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(4 * time.Second)
	s.Kill()
	r := finish(t, ctx, limit, args, start, cmd.Wait(), cmd, stdout, stderr)
	wantExit(t, r, 0)
	noSecret(t, r, nginxrtmp.Key)
	var reported bool
	for _, l := range strings.Split(r.stderr, "\n") {
		if strings.Contains(l, "level=ERROR") && strings.Contains(l, `output="rtmp `) && strings.Contains(l, "state=failed") {
			reported = true
		}
	}
	if !reported {
		t.Errorf("stderr does not report the RTMP output failing:\n%s", r.stderr)
	}
	if !strings.Contains(r.stderr, "connection to server lost") {
		t.Errorf("stderr does not say the connection was lost:\n%s", r.stderr)
	}
	checkMedia(t, mkv, 240, 3, 8)
}

// TestRecordingSurvivesKill9 kills onair itself mid-recording: what reached
// the disk must still play.
func TestRecordingSurvivesKill9(t *testing.T) {
	t.Parallel()
	mkv := filepath.Join(t.TempDir(), "k.mkv")
	args := []string{"publish", "--duration", "30s", "--out", "record:" + mkv}
	const limit = 30 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd, stdout, _ := command(ctx, args...)
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Count the 4 s from when the recording is live, not from exec: the
	// binary's start-up is not recording time.
	live := `output="record ` + mkv + `" state=live`
	for !strings.Contains(stderr.String(), live) {
		if ctx.Err() != nil {
			t.Fatalf("recording never went live:\n%s", stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(4 * time.Second)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	if ctx.Err() != nil {
		t.Fatalf("onair outlived its %v limit:\n%s", limit, stderr)
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("onair was not killed by SIGKILL (%v)\nstdout:\n%s\nstderr:\n%s", err, stdout, stderr)
	}
	streams := testenv.Probe(t, mkv)
	v := testenv.Find(t, streams, "video")
	t.Logf("%s after kill -9 4 s after going live: %d video frames decoded (%s %dx%d)", mkv, v.Frames(), v.CodecName, v.Width, v.Height)
	if v.CodecName != "h264" || v.Width != 1280 || v.Height != 720 {
		t.Errorf("video %s %dx%d, want h264 1280x720", v.CodecName, v.Width, v.Height)
	}
	if v.Frames() < 90 {
		t.Errorf("only %d video frames decodable after a kill at 4 s, want ≥ 90 (3 s)", v.Frames())
	}
}

// lockedBuffer is a bytes.Buffer a test may read while the process writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestRecordOtherCodecs records 5 s with each other software encoder the
// project offers; the file must carry that codec and every frame.
func TestRecordOtherCodecs(t *testing.T) {
	for _, tc := range []struct{ encoder, codec string }{
		{"libx265", "hevc"}, {"libsvtav1", "av1"}, {"libvpx-vp9", "vp9"},
	} {
		t.Run(tc.encoder, func(t *testing.T) {
			mkv := filepath.Join(t.TempDir(), tc.encoder+".mkv")
			r := onair(t, 90*time.Second, "publish", "--duration", "5s", "--realtime=false", "--size", "640x360",
				"--encoder", tc.encoder, "--out", "record:"+mkv)
			wantExit(t, r, 0)
			v := testenv.Find(t, testenv.Probe(t, mkv), "video")
			if v.CodecName != tc.codec || v.Width != 640 || v.Height != 360 {
				t.Errorf("video %s %dx%d, want %s 640x360", v.CodecName, v.Width, v.Height, tc.codec)
			}
			if n := v.Frames(); n < 149 || n > 151 {
				t.Errorf("%d video frames, want 150±1", n)
			}
		})
	}
}

// TestVersion prints onair and a version.
func TestVersion(t *testing.T) {
	r := onair(t, 10*time.Second, "version")
	wantExit(t, r, 0)
	f := strings.Fields(r.stdout)
	if len(f) != 2 || f[0] != "onair" || !strings.ContainsAny(f[1], "0123456789") {
		t.Fatalf("version output %q, want \"onair <version>\"", r.stdout)
	}
}
