package cli_test

import (
	"encoding/json"
	"os"
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

// --stats writes the WebRTC output's network series, JSON or CSV.
func TestPublishStatsExport(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"net.json", "net.csv"} {
		path := filepath.Join(dir, name)
		r := onair(t, 60*time.Second, "publish", "--duration", "4s", "--server-addr", freeAddr(t), "--stats", path)
		wantExit(t, r, 0)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(name, ".json") {
			var doc []struct {
				Output  string           `json:"output"`
				Samples []map[string]any `json:"samples"`
			}
			if err := json.Unmarshal(b, &doc); err != nil || len(doc) != 1 || len(doc[0].Samples) < 2 {
				t.Errorf("json export: %v, %.300s", err, b)
			}
		} else if lines := strings.Count(string(b), "\n"); !strings.HasPrefix(string(b), "at_s,packets_sent") || lines < 3 {
			t.Errorf("csv export (%d lines): %.300s", lines, b)
		}
		if left, _ := filepath.Glob(path + ".tmp"); len(left) != 0 {
			t.Errorf("temp file left: %v", left)
		}
	}
}
