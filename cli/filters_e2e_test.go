package cli_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onair-dev/onair/internal/nginxrtmp"
	"github.com/onair-dev/onair/internal/testenv"
)

// flatChroma decodes frame n of a 1280x720 video and returns the share of
// its U and V samples within 128±3: 1.0 for a grey picture.
func flatChroma(t *testing.T, path string, n int) float64 {
	t.Helper()
	out := filepath.Join(t.TempDir(), fmt.Sprintf("f%d.yuv", n))
	cmd := exec.Command(testenv.Tool(t, "ffmpeg"), "-v", "error", "-y", "-i", path,
		"-vf", fmt.Sprintf(`select=eq(n\,%d)`, n), "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "yuv420p", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg decode frame %d of %s: %v\n%s", n, path, err, b)
	}
	raw, err := os.ReadFile(out)
	if err != nil || len(raw) != 1280*720*3/2 {
		t.Fatalf("decoded frame %d: %d bytes, %v", n, len(raw), err)
	}
	chroma := raw[1280*720:]
	flat := 0
	for _, c := range chroma {
		if c >= 125 && c <= 131 {
			flat++
		}
	}
	return float64(flat) / float64(len(chroma))
}

func TestFilterGrayToRTMPHasFlatChroma(t *testing.T) {
	t.Parallel()
	s := nginxrtmp.Start(t)
	r := onair(t, 60*time.Second, "publish", "--duration", "3s", "--realtime=false", "--filter", "gray", "--out", s.URL(nginxrtmp.Key))
	wantExit(t, r, 0)
	s.Stop()
	checkMedia(t, s.RecordPath(nginxrtmp.Key), 90, 1, 3)
	for _, n := range []int{1, 45, 89} {
		if f := flatChroma(t, s.RecordPath(nginxrtmp.Key), n); f < 0.999 {
			t.Errorf("frame %d: only %.4f of chroma samples at 128±3 with gray on", n, f)
		}
	}
}

func TestFiltersListAndBadSpecs(t *testing.T) {
	t.Parallel()
	r := onair(t, 20*time.Second, "filters", "list")
	wantExit(t, r, 0)
	for _, name := range []string{"gray", "blur", "canny", "face", "chroma", "flip", "adjust", "pixelate", "overlay"} {
		if !strings.Contains(r.stdout, "\n"+name+" ") {
			t.Errorf("filters list lacks %s:\n%s", name, r.stdout)
		}
	}
	for _, c := range []struct{ spec, want string }{
		{"nosuch", "unknown filter"},
		{"blur:k=4", "bad parameter"},
		{"blur:k=-3", "bad parameter"},
		{"canny:low=200,high=100", "bad parameter"},
		{"chroma:bg=/no/such/file.png", "image"},
	} {
		r := onair(t, 20*time.Second, "publish", "--duration", "1s", "--filter", c.spec, "--out", "record:"+filepath.Join(t.TempDir(), "x.mkv"))
		wantExit(t, r, 2)
		if !strings.Contains(r.stderr, c.want) {
			t.Errorf("--filter %s: stderr lacks %q:\n%s", c.spec, c.want, r.stderr)
		}
	}
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestFiltersSetWhileLive switches gray on from a second command while
// onair publishes: the recording is in colour before and grey after.
func TestFiltersSetWhileLive(t *testing.T) {
	t.Parallel()
	addr := freeAddr(t)
	mkv := filepath.Join(t.TempDir(), "live.mkv")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pub, _, _ := command(ctx, "publish", "--duration", "8s", "--server-addr", addr, "--out", "local", "--out", "record:"+mkv)
	stdout, stderr := &lockedBuffer{}, &lockedBuffer{} // read while onair writes
	pub.Stdout, pub.Stderr = stdout, stderr
	if err := pub.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(stdout.String(), "watch at") && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(2 * time.Second)
	set := onair(t, 20*time.Second, "filters", "set", "--server", "http://"+addr, "gray")
	wantExit(t, set, 0)
	if !strings.Contains(set.stdout, "filters now: gray") {
		t.Fatalf("filters set: %s", set)
	}
	bad := onair(t, 20*time.Second, "filters", "set", "--server", "http://"+addr, "blur:k=2")
	wantExit(t, bad, 2)
	gone := onair(t, 20*time.Second, "filters", "set", "--server", "http://"+freeAddr(t), "gray")
	wantExit(t, gone, 1)
	if !strings.Contains(gone.stderr, "no onair server") {
		t.Errorf("unreachable server: %s", gone)
	}
	err := pub.Wait()
	if ctx.Err() != nil {
		t.Fatalf("publish did not finish:\n%s", stderr)
	}
	if err != nil {
		t.Fatalf("publish: %v\n%s", err, stderr)
	}
	if f := flatChroma(t, mkv, 15); f > 0.9 {
		t.Errorf("frame 15 (before gray): %.3f of chroma flat, want a colour picture", f)
	}
	if f := flatChroma(t, mkv, 220); f < 0.999 {
		t.Errorf("frame 220 (after gray): only %.4f of chroma flat", f)
	}
}
