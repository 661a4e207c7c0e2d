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

// startXvfb starts Xvfb on a display number nothing else holds and stops it
// at cleanup; it retries on another number if the server does not come up.
func startXvfb(t *testing.T) string {
	t.Helper()
	bin := testenv.Tool(t, "Xvfb")
	for attempt := 0; attempt < 5; attempt++ {
		n := 100 + (os.Getpid()+attempt*37)%800
		if _, err := os.Stat("/tmp/.X11-unix/X" + strconv.Itoa(n)); err == nil {
			continue // taken
		}
		if _, err := os.Stat("/tmp/.X" + strconv.Itoa(n) + "-lock"); err == nil {
			continue
		}
		cmd := exec.Command(bin, ":"+strconv.Itoa(n), "-screen", "0", "320x240x24", "-nolisten", "tcp")
		var xlog strings.Builder
		cmd.Stderr = &xlog
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		sock := "/tmp/.X11-unix/X" + strconv.Itoa(n)
		deadline := time.Now().Add(10 * time.Second)
		for {
			if c, err := net.Dial("unix", sock); err == nil {
				c.Close()
				t.Cleanup(func() {
					cmd.Process.Kill()
					<-exited
					if t.Failed() {
						t.Logf("Xvfb stderr:\n%s", xlog.String())
					}
				})
				return ":" + strconv.Itoa(n)
			}
			select {
			case <-exited: // lost a race for this number: try another
			case <-time.After(20 * time.Millisecond):
				if time.Now().Before(deadline) {
					continue
				}
				cmd.Process.Kill()
				<-exited
				t.Fatalf("Xvfb :%d not accepting within 10 s:\n%s", n, xlog.String())
			}
			break
		}
		t.Logf("Xvfb :%d exited at start: %s", n, xlog.String())
	}
	t.Fatal("no Xvfb display could be started")
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
