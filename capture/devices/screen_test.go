//go:build linux

package devices

import (
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/onair-dev/onair/internal/testenv"
	"github.com/onair-dev/onair/media"
)

// startXvfb starts Xvfb on a display it picks itself (-displayfd) and stops it
// at cleanup.
func startXvfb(t *testing.T) string {
	t.Helper()
	bin := testenv.Tool(t, "Xvfb")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-displayfd", "3", "-screen", "0", "320x240x24", "-nolisten", "tcp")
	cmd.ExtraFiles = []*os.File{w}
	var xlog strings.Builder
	cmd.Stderr = &xlog
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("Xvfb stderr:\n%s", xlog.String())
		}
	})
	got := make(chan string, 1)
	go func() {
		buf := make([]byte, 32)
		n, _ := r.Read(buf)
		r.Close()
		got <- strings.TrimSpace(string(buf[:n]))
	}()
	select {
	case s := <-got:
		if _, err := strconv.Atoi(s); err != nil {
			t.Fatalf("Xvfb -displayfd said %q", s)
		}
		// Wait until the server accepts connections on its socket.
		sock := "/tmp/.X11-unix/X" + s
		deadline := time.Now().Add(10 * time.Second)
		for {
			c, err := net.Dial("unix", sock)
			if err == nil {
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("Xvfb %s not accepting: %v", sock, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
		return ":" + s
	case <-time.After(10 * time.Second):
		t.Fatal("Xvfb did not report a display within 10s")
	}
	return ""
}

// TestScreenX11SeesTheRootWindowColour starts Xvfb, paints its root window
// red and captures it: frames at the screen's size, and red in them.
func TestScreenX11SeesTheRootWindowColour(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) }) // after Xvfb's cleanup
	disp := startXvfb(t)
	// ImageMagick's display sets the root background; it exits 1 even when
	// it did, so the colour check below is what tells.
	paint := exec.Command(testenv.Tool(t, "display"), "-display", disp, "-size", "320x240", "-window", "root", "xc:#ff0000")
	paint.CombinedOutput()
	t.Setenv("DISPLAY", disp)
	src, err := OpenScreen("", 15)
	if err != nil {
		t.Fatal(err)
	}
	if vi := src.Info().Video; vi.Width != 320 || vi.Height != 240 {
		t.Fatalf("screen info %+v", vi)
	}
	v, _, stop := runFor(t, src)
	defer stop()
	deadline := time.Now().Add(5 * time.Second)
	for {
		f := nextVideo(t, v)
		if f.Width != 320 || f.Height != 240 || f.Format != media.PixelI420 {
			t.Fatalf("frame %v %dx%d", f.Format, f.Width, f.Height)
		}
		// Pure red in BT.601 limited range: Y 82, U 90, V 240.
		y, u, vv := f.Plane[0][120*f.Stride[0]+160], f.Plane[1][60*f.Stride[1]+80], f.Plane[2][60*f.Stride[2]+80]
		if y >= 78 && y <= 86 && u >= 86 && u <= 94 && vv >= 236 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no red on the captured screen within 5 s: Y/U/V %d/%d/%d", y, u, vv)
		}
	}
}
