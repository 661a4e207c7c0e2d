package cli_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// This machine has no camera: the list says so and going live with one
// fails with what was looked for.
func TestNoCameraHere(t *testing.T) {
	t.Parallel()
	r := onair(t, 20*time.Second, "devices")
	wantExit(t, r, 0)
	if strings.Contains(r.stdout, "camera ") {
		t.Fatalf("a camera listed on a machine without one:\n%s", r.stdout)
	}
	r = onair(t, 20*time.Second, "publish", "--source", "camera", "--duration", "1s", "--out", "record:"+filepath.Join(t.TempDir(), "c.mkv"))
	wantExit(t, r, 1)
	if !strings.Contains(r.stderr, "no camera found") || !strings.Contains(r.stderr, "V4L2") {
		t.Fatalf("want a message naming what was looked for:\n%s", r.stderr)
	}
}
