package pipeline

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onair-dev/onair/capture"
	"github.com/onair-dev/onair/capture/testpattern"
	"github.com/onair-dev/onair/media"
)

func smallPlan(t *testing.T, outs ...string) Plan {
	v := DefaultVideo()
	v.Width, v.Height, v.Bitrate = 320, 240, 500_000
	return Plan{Video: v, Audio: DefaultAudio(), Outputs: outs, Duration: 2 * time.Second, Unpaced: true}
}

func TestPrepareNamesTheFieldOfAMistake(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, field string
		edit        func(*Plan)
	}{
		{"bad output", "output 2", func(p *Plan) { p.Outputs = []string{"record:" + filepath.Join(dir, "a.mkv"), "ftp://x/y"} }},
		{"bad size", "video", func(p *Plan) { p.Video.Width = 1 }},
		{"bad filter", "filters", func(p *Plan) { p.Filters = []string{"sepia"} }},
		{"webrtc codec", "webrtc codec", func(p *Plan) { p.WebRTCCodec = "av1" }},
		{"contradiction", "filters", func(p *Plan) { p.Filters, p.NoFilters = []string{"gray"}, true }},
		{"hevc to rtmp", "output 1", func(p *Plan) { p.Outputs = []string{"rtmp://127.0.0.1:1/app/key"}; p.Video.Encoder = "libx265" }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := smallPlan(t, "record:"+filepath.Join(dir, c.name+".mkv"))
			c.edit(&p)
			pr, err := Prepare(p)
			var se *SettingError
			if !errors.As(err, &se) {
				if pr != nil {
					pr.Close()
				}
				t.Fatalf("Prepare: %v, want a *SettingError", err)
			}
			if se.Field != c.field {
				t.Errorf("field %q, want %q (%v)", se.Field, c.field, err)
			}
		})
	}
	// Nothing half-made is left: a refused plan leaves no recording behind.
	if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) != 0 {
		t.Errorf("refused plans left files: %v", left)
	}
}

func TestParseSizeAndBitrate(t *testing.T) {
	if w, h, err := ParseSize(" 640X360 "); err != nil || w != 640 || h != 360 {
		t.Errorf("ParseSize = %d %d %v", w, h, err)
	}
	if _, _, err := ParseSize("big"); err == nil || err.Error() != `size "big": want WIDTHxHEIGHT such as 1280x720` {
		t.Errorf("ParseSize(big) = %v", err)
	}
	for in, want := range map[string]int{"2500k": 2_500_000, "6M": 6_000_000, "2.5m": 2_500_000, "900000": 900_000} {
		if got, err := ParseBitrate(in); err != nil || got != want {
			t.Errorf("ParseBitrate(%q) = %d %v, want %d", in, got, err, want)
		}
	}
	var se *SettingError
	if _, err := ParseBitrate("-1k"); !errors.As(err, &se) || se.Field != "bitrate" {
		t.Errorf("ParseBitrate(-1k) = %v", err)
	}
}

// A prepared go-live records, shows its latest frame and measures A/V sync.
func TestPreparedRunsWithPreviewAndSyncMeter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.mkv")
	p := smallPlan(t, "record:"+path)
	p.Unpaced = false // real time: the meter needs arrival times spread over seconds
	p.Duration = 3 * time.Second
	p.FilterStage = true
	pr, err := Prepare(p)
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	if len(pr.Outputs) != 1 || pr.Outputs[0] != "record "+path || !pr.Live {
		t.Errorf("outputs %v live %v", pr.Outputs, pr.Live)
	}
	if pr.Session.LatestFrame() != nil {
		t.Error("a frame before Start")
	}
	if err := pr.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := pr.Session.Wait(); err != nil {
		t.Fatal(err)
	}
	// A stopped session's stage takes no new filters (they would never be
	// closed), and the built-in server's control says nothing is live.
	if err := pr.Session.SetFilters([]string{"gray"}); !errors.Is(err, ErrNoFilterStage) {
		t.Errorf("SetFilters after the end: %v", err)
	}
	rw := httptest.NewRecorder()
	FiltersControl(nil).ServeHTTP(rw, httptest.NewRequest(http.MethodPut, "/api/control/filters", strings.NewReader(`{"filters":["gray"]}`)))
	if rw.Code != http.StatusConflict || !strings.Contains(rw.Body.String(), "nothing is live") {
		t.Errorf("control with nothing live: %d %s", rw.Code, rw.Body)
	}
	f := pr.Session.LatestFrame()
	if f == nil || f.Seq != 89 || f.Width != 320 {
		t.Fatalf("latest frame %+v, want the 90th 320-wide frame", f)
	}
	samples := pr.Session.AVSync().Samples()
	if len(samples) < 1 {
		t.Fatal("no A/V sync sample after 3 s")
	}
	for _, s := range samples {
		// The pattern's audio and video share one clock; chunking (20 ms
		// audio, 33 ms video) is all that separates them.
		if s.Offset < -40*time.Millisecond || s.Offset > 40*time.Millisecond || !s.InR37 {
			t.Errorf("sync sample %+v, want within ±40 ms", s)
		}
	}
	pr.Close()
	pr.Close() // idempotent
	if st, err := os.Stat(path); err != nil || st.Size() == 0 {
		t.Errorf("recording: %v", err)
	}
}

func TestCombineRunsBothAndEndsWithEither(t *testing.T) {
	v, err := testpattern.New(testpattern.WithSize(160, 120), testpattern.WithRealTime(false), testpattern.WithLimit(10))
	if err != nil {
		t.Fatal(err)
	}
	a, err := testpattern.New(testpattern.WithSize(160, 120), testpattern.WithRealTime(true))
	if err != nil {
		t.Fatal(err)
	}
	c := capture.Combine(v, a)
	defer c.Close()
	if in := c.Info(); in.Video == nil || in.Audio == nil || !in.Live {
		t.Fatalf("info %+v", in)
	}
	video := make(chan *media.VideoFrame, 100)
	audio := make(chan *media.AudioFrame, 1000)
	done := make(chan error, 1)
	go func() { done <- c.Run(context.Background(), video, audio) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Combine did not end when its video source ended")
	}
	if len(video) != 10 {
		t.Errorf("%d frames, want the video source's 10", len(video))
	}
	// Each side runs with only its own channel: a nil one would block the
	// video source's own audio forever, so Run ending at all shows it.
}
