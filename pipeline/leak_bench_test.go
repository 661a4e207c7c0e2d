package pipeline

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/onair-dev/onair/capture/testpattern"
	"github.com/onair-dev/onair/encode"
	"github.com/onair-dev/onair/stream"
)

// rssBytes reads the resident set size: native (cgo) memory included, which
// Go's own heap statistics cannot see.
func rssBytes(b *testing.B) int64 {
	raw, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		b.Fatal(err)
	}
	f := strings.Fields(string(raw))
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func runTinySession(b *testing.B, dir string, i int) {
	src, err := testpattern.New(testpattern.WithSize(160, 120), testpattern.WithRealTime(false), testpattern.WithLimit(10))
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	rec, err := stream.NewRecording(filepath.Join(dir, strconv.Itoa(i)+".mkv"))
	if err != nil {
		b.Fatal(err)
	}
	v := encode.DefaultVideo()
	v.Width, v.Height, v.Bitrate = 160, 120, 200_000
	s, err := New(Config{Source: src, Video: v, Audio: encode.DefaultAudio(), Sinks: []stream.Sink{rec}, Log: quiet})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	if err := s.Wait(); err != nil {
		b.Fatal(err)
	}
	os.Remove(filepath.Join(dir, strconv.Itoa(i)+".mkv"))
}

// BenchmarkSessionLeak opens and closes whole sessions (x264, AAC, swscale-
// free I420 path, Matroska muxer, AVIO) and reports how much resident
// memory each one leaves behind. A leak of one frame or codec context per
// session shows as tens of KB/op; a clean run stays near 0.
//
//	go test -run '^$' -bench SessionLeak -benchtime 300x ./pipeline/
func BenchmarkSessionLeak(b *testing.B) {
	dir := b.TempDir()
	for i := 0; i < 20; i++ { // warm-up: FFmpeg's and Go's one-time allocations
		runTinySession(b, dir, -i-1)
	}
	runtime.GC()
	before := rssBytes(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		runTinySession(b, dir, i)
	}
	b.StopTimer()
	runtime.GC()
	after := rssBytes(b)
	b.ReportMetric(float64(after-before)/float64(b.N), "rss-B/op")
}
