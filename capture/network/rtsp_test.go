package network

import (
	"bufio"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/onair-dev/onair/internal/testenv"
)

// rtspServer starts testdata/rtsp-server.py (gst-rtsp-server) on a free
// loopback port and returns its URL; stopped at cleanup.
func rtspServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	// Debian's own python3: python3-gi lives there, not in other pythons on PATH.
	py := "/usr/bin/python3"
	cmd := exec.Command(py, filepath.Join(testenv.RepoRoot(), "testdata", "rtsp-server.py"), strconv.Itoa(port))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting the RTSP server (%s): %v: %s", py, err, testenv.InstallHint)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		ready <- sc.Scan() && sc.Text() == "ready"
		for sc.Scan() {
		}
	}()
	select {
	case ok := <-ready:
		if !ok {
			cmd.Wait()
			t.Fatalf("RTSP server did not start (needs python3-gi and gir1.2-gst-rtsp-server-1.0: %s):\n%s", testenv.InstallHint, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("RTSP server not ready within 15 s")
	}
	return "rtsp://127.0.0.1:" + strconv.Itoa(port) + "/test"
}

func TestRTSPPull(t *testing.T) {
	url := rtspServer(t)
	src, err := New(url, WithTimeout(5*time.Second))
	if err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	defer src.Close()
	if v := src.Info().Video; v == nil || v.Width != 320 || v.Height != 240 {
		t.Fatalf("info %+v", src.Info().Video)
	}
	r := collect(t, src, 3*time.Second)
	// A live 30 fps picture for 3 s, minus joining: at least 2 s worth.
	if len(r.video) < 60 {
		t.Fatalf("%d frames in 3 s of a 30 fps RTSP stream (err %v)", len(r.video), r.err)
	}
	for _, f := range r.video {
		if f.Width != 320 || f.Height != 240 {
			t.Fatalf("frame %dx%d", f.Width, f.Height)
		}
	}
	checkMonotonic(t, r)
}
