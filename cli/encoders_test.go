package cli_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestEncodersTable: libx264 works here, no GPU encoder does, and each GPU
// row says why.
func TestEncodersTable(t *testing.T) {
	r := onair(t, 60*time.Second, "encoders")
	wantExit(t, r, 0)
	lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	if h := strings.Fields(lines[0]); len(h) < 4 || h[0] != "ENCODER" || h[3] != "USABLE" {
		t.Fatalf("header %q, want ENCODER CODEC KIND USABLE WHY NOT", lines[0])
	}
	var x264, gpus int
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) < 4 {
			t.Errorf("short row %q", l)
			continue
		}
		name, codec, kind, usable, why := f[0], f[1], f[2], f[3], strings.Join(f[4:], " ")
		if name == "libx264" {
			x264++
			if codec != "h264" || kind != "software" || usable != "yes" {
				t.Errorf("libx264 row %q, want h264 software yes", l)
			}
		}
		if strings.HasPrefix(kind, "gpu/") {
			gpus++
			if usable != "no" || why == "" {
				t.Errorf("GPU row %q: want usable no with a reason", l)
			}
		}
	}
	if x264 != 1 {
		t.Errorf("%d libx264 rows, want 1:\n%s", x264, r.stdout)
	}
	if gpus == 0 {
		t.Errorf("no gpu/* rows (FFmpeg 5.1 on Debian builds nvenc, vaapi, qsv, v4l2m2m):\n%s", r.stdout)
	}

	// The JSON form says the same.
	r = onair(t, 60*time.Second, "encoders", "--json")
	wantExit(t, r, 0)
	var list []struct {
		Name, Codec, Hardware, Reason string
		Usable                        bool
	}
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil {
		t.Fatalf("encoders --json: %v\n%s", err, r.stdout)
	}
	if len(list) != len(lines)-1 {
		t.Errorf("JSON has %d encoders, the table %d", len(list), len(lines)-1)
	}
	var jx264, jgpus int
	for _, e := range list {
		if e.Name == "libx264" {
			jx264++
			if !e.Usable || e.Codec != "h264" || e.Hardware != "" {
				t.Errorf("JSON libx264 %+v, want usable h264 software", e)
			}
		}
		if e.Hardware != "" {
			jgpus++
			if e.Usable || e.Reason == "" {
				t.Errorf("JSON GPU encoder %+v: want unusable with a reason", e)
			}
		}
	}
	if jx264 != 1 || jgpus != gpus {
		t.Errorf("JSON: %d libx264, %d GPU encoders; table: 1, %d", jx264, jgpus, gpus)
	}
}
