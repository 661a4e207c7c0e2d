package cli_test

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onair-dev/onair/internal/testenv"
)

type analysis struct {
	Events []struct {
		OffsetMs float64 `json:"offset_ms"`
	} `json:"events"`
	MeanMs        float64  `json:"mean_ms"`
	DriftMsPerMin *float64 `json:"drift_ms_per_min"`
}

// analyze runs `onair analyze file --json` and returns what it wrote.
func analyze(t *testing.T, file string) analysis {
	t.Helper()
	out := filepath.Join(t.TempDir(), "a.json")
	r := onair(t, 60*time.Second, "analyze", file, "--json", out)
	wantExit(t, r, 0)
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var a analysis
	if err := json.Unmarshal(raw, &a); err != nil {
		t.Fatalf("analysis JSON: %v\n%s", err, raw)
	}
	return a
}

func ffmpeg(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command(testenv.Tool(t, "ffmpeg"), append([]string{"-v", "error", "-y"}, args...)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %s: %v\n%s", strings.Join(args, " "), err, b)
	}
}

// TestAnalyzerFindsInjectedOffsets records onair's test pattern with known
// av-offsets and reads them back through a file, as QA would.
func TestAnalyzerFindsInjectedOffsets(t *testing.T) {
	t.Parallel()
	for _, ms := range []int{-120, -40, 0, 25, 45, 100} {
		file := filepath.Join(t.TempDir(), "p.mkv")
		r := onair(t, 60*time.Second, "publish", "--realtime=false", "--duration", "12s", "--size", "320x240",
			"--av-offset", (time.Duration(ms) * time.Millisecond).String(), "--out", "record:"+file)
		wantExit(t, r, 0)
		a := analyze(t, file)
		if len(a.Events) < 4 || math.Abs(a.MeanMs-float64(ms)) > 1 {
			t.Errorf("av-offset %+d ms: analyzer reports %+.2f ms over %d events", ms, a.MeanMs, len(a.Events))
		}
	}
}

// TestAnalyzerOnFFmpegFlashBeepShifted uses a flash/beep source made by the
// ffmpeg CLI, the audio delayed 50 ms with -itsoffset: audio late = -50 ms.
func TestAnalyzerOnFFmpegFlashBeepShifted(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "fb.mkv")
	ffmpeg(t, "-f", "lavfi", "-i", `color=c=black:s=320x240:r=30:d=12,drawbox=c=white:t=fill:enable='lt(mod(t\,2)\,0.03)'`,
		"-itsoffset", "0.05", "-f", "lavfi", "-i", `aevalsrc='if(lt(mod(t\,2)\,0.1)\,0.5*sin(2*PI*1000*t)\,0)':s=48000:d=12`,
		"-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-b:a", "128k", file)
	a := analyze(t, file)
	if len(a.Events) < 4 || math.Abs(a.MeanMs-(-50)) > 1 {
		t.Errorf("ffmpeg source, audio delayed 50 ms: analyzer reports %+.2f ms over %d events", a.MeanMs, len(a.Events))
	}
}

// TestAnalyzerMeasuresDrift resamples the audio of a test-pattern recording
// so it runs 2 ms per minute fast (60000 → 60002 Hz, played as 60000).
func TestAnalyzerMeasuresDrift(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	base := filepath.Join(dir, "base.mkv")
	r := onair(t, 90*time.Second, "publish", "--realtime=false", "--duration", "40s", "--size", "320x240", "--out", "record:"+base)
	wantExit(t, r, 0)
	drift := filepath.Join(dir, "drift.mkv")
	ffmpeg(t, "-i", base, "-c:v", "copy", "-af", "aresample=60000,asetrate=60002,aresample=48000", "-c:a", "aac", drift)
	a := analyze(t, drift)
	if a.DriftMsPerMin == nil {
		t.Fatalf("no drift reported over %d events", len(a.Events))
	}
	if math.Abs(*a.DriftMsPerMin-2) > 0.5 {
		t.Errorf("injected drift 2 ms/min: analyzer reports %+.3f ms/min over %d events", *a.DriftMsPerMin, len(a.Events))
	}
}

func TestAnalyzeBadInputs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	noAudio := filepath.Join(dir, "na.mkv")
	ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=s=320x240:r=30:d=3", "-c:v", "libx264", "-preset", "ultrafast", noAudio)
	noFlash := filepath.Join(dir, "nf.mkv")
	ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=s=320x240:r=30:d=5", "-f", "lavfi", "-i", "sine=f=440:d=5",
		"-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest", noFlash)
	for _, c := range []struct {
		input, want string
	}{
		{filepath.Join(dir, "missing.mkv"), "not found"},
		{noAudio, "audio"},
		{noFlash, "flash"},
	} {
		r := onair(t, 60*time.Second, "analyze", c.input)
		wantExit(t, r, 1)
		if !strings.Contains(strings.ToLower(r.stderr), c.want) {
			t.Errorf("analyze %s: stderr lacks %q:\n%s", filepath.Base(c.input), c.want, r.stderr)
		}
	}
	r := onair(t, 20*time.Second, "analyze")
	wantExit(t, r, 2)
}

// TestRepublishKeepsSync pulls a recording with a known offset back in as a
// source and publishes it again: the pulled input's A/V relation must
// survive the rebase onto the session clock and the re-encode.
func TestRepublishKeepsSync(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first := filepath.Join(dir, "first.mkv")
	r := onair(t, 60*time.Second, "publish", "--realtime=false", "--duration", "11s", "--size", "320x240",
		"--av-offset", "40ms", "--out", "record:"+first)
	wantExit(t, r, 0)
	second := filepath.Join(dir, "second.mkv")
	r = onair(t, 60*time.Second, "publish", "--source", first, "--duration", "10s", "--out", "record:"+second)
	wantExit(t, r, 0)
	a := analyze(t, second)
	// Matroska stores milliseconds: two ms roundings lie between the files.
	if len(a.Events) < 4 || math.Abs(a.MeanMs-40) > 1.5 {
		t.Errorf("re-published +40 ms pattern: analyzer reports %+.2f ms over %d events", a.MeanMs, len(a.Events))
	}
}
