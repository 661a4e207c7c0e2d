package cli_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onair-dev/onair/internal/testenv"
)

// --size and --fps each override only their own part of a pulled input's
// format: the other keeps the input's.
func TestPublishKeepsTheInputsOtherFormatPart(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "in25.mkv")
	ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=s=320x240:r=25:d=2", "-c:v", "libx264", "-preset", "ultrafast", src)
	probe := func(path string) string {
		out, err := exec.Command(testenv.Tool(t, "ffprobe"), "-v", "error", "-select_streams", "v:0",
			"-show_entries", "stream=width,height,r_frame_rate", "-of", "csv=p=0", path).CombinedOutput()
		if err != nil {
			t.Fatalf("ffprobe %s: %v %s", path, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	for _, c := range []struct {
		flag, value, want string
	}{
		{"--size", "160x120", "160,120,25/1"},
		{"--fps", "30", "320,240,30/1"},
	} {
		out := filepath.Join(dir, strings.TrimPrefix(c.flag, "--")+".mkv")
		r := onair(t, 60*time.Second, "publish", "--source", src, c.flag, c.value, "--no-filter-stage", "--out", "record:"+out)
		wantExit(t, r, 0)
		if got := probe(out); got != c.want {
			t.Errorf("publish %s %s: recording is %s, want %s", c.flag, c.value, got, c.want)
		}
	}
}
