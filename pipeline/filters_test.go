package pipeline

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/onair-dev/onair/capture/testpattern"
	"github.com/onair-dev/onair/filters"
	"github.com/onair-dev/onair/internal/testenv"
	"github.com/onair-dev/onair/media"
	"github.com/onair-dev/onair/stream"
)

// barcodes decodes every frame of a 320x240 recording and returns the
// frame numbers its barcodes carry, in file order.
func barcodes(t *testing.T, path string) []uint32 {
	t.Helper()
	raw := filepath.Join(t.TempDir(), "all.yuv")
	if b, err := exec.Command(testenv.Tool(t, "ffmpeg"), "-v", "error", "-y", "-i", path, "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "yuv420p", raw).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, b)
	}
	data, err := os.ReadFile(raw)
	if err != nil {
		t.Fatal(err)
	}
	const w, h = 320, 240
	size := w * h * 3 / 2
	var out []uint32
	for off := 0; off+size <= len(data); off += size {
		f := media.NewVideoFrame(media.PixelI420, w, h)
		copy(f.Plane[0], data[off:off+w*h])
		b, err := testpattern.DecodeI420(f)
		if err != nil {
			t.Fatalf("frame %d: %v", len(out), err)
		}
		out = append(out, b.Frame)
	}
	return out
}

// TestFilterSwitchingLosesNoFrame turns the chain on and off (stage and
// bypass) and swaps it hundreds of times while frames flow: the recording
// holds every frame once, in order.
func TestFilterSwitchingLosesNoFrame(t *testing.T) {
	cfg := smallConfig(t, testpattern.WithRealTime(false), testpattern.WithLimit(300))
	cfg.FilterStage = true
	rec := recording(t, "f.mkv")
	cfg.Sinks = []stream.Sink{rec}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	chains := [][]string{nil, {"gray"}, {"blur:k=3"}, nil, {"gray", "pixelate:block=4"}, {}}
	var wg sync.WaitGroup
	swaps := 0
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-s.Done():
				return
			default:
			}
			if err := s.SetFilters(chains[i%len(chains)]); err != nil && !errors.Is(err, filters.ErrStageClosed) {
				t.Errorf("SetFilters: %v", err)
				return
			}
			swaps++
			time.Sleep(time.Millisecond)
		}
	}()
	waitDone(t, s, 60*time.Second)
	wg.Wait()
	if err := s.Wait(); err != nil {
		t.Fatal(err)
	}
	if swaps < 50 {
		t.Fatalf("only %d swaps happened while frames flowed", swaps)
	}
	got := barcodes(t, recordedPath(rec))
	if len(got) != 300 {
		t.Fatalf("recording has %d frames, want 300", len(got))
	}
	for i, n := range got {
		if n != uint32(i) {
			t.Fatalf("frame %d of the file is source frame %d: lost, repeated or reordered (after %d swaps)", i, n, swaps)
		}
	}
	in, out := s.FilterFrames()
	t.Logf("%d swaps; %d frames went through the stage, %d came out", swaps, in, out)
	if in != out {
		t.Fatalf("stage in %d != out %d", in, out)
	}
}

func TestBadFilterSpecIsRefusedBeforeGoingLive(t *testing.T) {
	cfg := smallConfig(t)
	cfg.Sinks = []stream.Sink{recording(t, "g.mkv")}
	cfg.Filters = []string{"blur:k=4"}
	if _, err := New(cfg); !errors.Is(err, filters.ErrBadParam) {
		t.Fatalf("got %v, want ErrBadParam", err)
	}
	cfg.Filters = []string{"nosuch"}
	if _, err := New(cfg); !errors.Is(err, filters.ErrUnknownFilter) {
		t.Fatalf("got %v, want ErrUnknownFilter", err)
	}
	cfg.Filters = nil
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetFilters([]string{"gray"}); !errors.Is(err, ErrNoFilterStage) {
		t.Fatalf("SetFilters without a stage: %v", err)
	}
	cfg.Sinks[0].Close()
}
