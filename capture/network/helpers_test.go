package network

import (
	"context"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/onair-dev/onair/internal/testenv"
	"github.com/onair-dev/onair/media"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// ffmpeg runs the ffmpeg CLI to completion (bounded).
func ffmpeg(t *testing.T, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	full := append([]string{"-hide_banner", "-loglevel", "error", "-y"}, args...)
	out, err := exec.CommandContext(ctx, testenv.Tool(t, "ffmpeg"), full...).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg %v: %v\n%s", args, err, out)
	}
}

// makeClip writes a testsrc2 + sine clip of dur seconds to dir/name.
func makeClip(t *testing.T, dir, name string, dur string, extra ...string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	args := []string{"-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
		"-t", dur, "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p", "-c:a", "aac"}
	args = append(args, extra...)
	ffmpeg(t, append(args, p)...)
	return p
}

type result struct {
	video []*media.VideoFrame
	audio []*media.AudioFrame
	err   error
}

// collect runs src until it ends or limit passes, keeping every frame.
func collect(t *testing.T, src *Source, limit time.Duration) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	vc := make(chan *media.VideoFrame, 64)
	ac := make(chan *media.AudioFrame, 64)
	var r result
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for f := range vc {
			r.video = append(r.video, f)
		}
	}()
	go func() {
		defer wg.Done()
		for f := range ac {
			r.audio = append(r.audio, f)
		}
	}()
	r.err = src.Run(ctx, vc, ac)
	close(vc)
	close(ac)
	wg.Wait()
	return r
}

func checkMonotonic(t *testing.T, r result) {
	t.Helper()
	for i := 1; i < len(r.video); i++ {
		if r.video[i].PTS <= r.video[i-1].PTS {
			t.Fatalf("video PTS not increasing at %d: %v then %v", i, r.video[i-1].PTS, r.video[i].PTS)
		}
		if gap := r.video[i].PTS - r.video[i-1].PTS; gap > DiscontinuityThreshold {
			t.Fatalf("video PTS jump at %d: %v", i, gap)
		}
	}
	var next int64
	for i, a := range r.audio {
		if a.Format != media.SampleS16 || a.SampleRate != 48000 || a.Channels != 2 {
			t.Fatalf("audio frame %d: %v %d Hz %d ch", i, a.Format, a.SampleRate, a.Channels)
		}
		if err := a.Validate(); err != nil {
			t.Fatal(err)
		}
		if a.Start != next {
			t.Fatalf("audio frame %d starts at %d, want %d", i, a.Start, next)
		}
		next += int64(a.Samples)
		if i > 0 && a.PTS <= r.audio[i-1].PTS {
			t.Fatalf("audio PTS not increasing at %d", i)
		}
	}
	for i, v := range r.video {
		if err := v.Validate(); err != nil {
			t.Fatalf("video frame %d: %v", i, err)
		}
	}
}
