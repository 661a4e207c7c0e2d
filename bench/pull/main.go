// Command pull measures onair's network input: it pulls a URL with
// capture/network for a while and either reports the glass-to-glass latency
// read from the test pattern's wall-clock barcode (-latency) or just decodes
// everything (for a CPU comparison with `ffmpeg -i URL -f null -`).
//
//	go run ./bench/pull -url rtmp://127.0.0.1:1935/live/x -for 20s -latency
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/onair-dev/onair/capture/network"
	"github.com/onair-dev/onair/capture/testpattern"
	"github.com/onair-dev/onair/media"
)

func main() {
	url := flag.String("url", "", "input to pull")
	dur := flag.Duration("for", 20*time.Second, "how long to pull")
	latency := flag.Bool("latency", false, "read the barcode of each frame and report latency")
	flag.Parse()
	if err := run(*url, *dur, *latency); err != nil {
		fmt.Fprintln(os.Stderr, "pull:", err)
		os.Exit(1)
	}
}

func run(url string, d time.Duration, latency bool) error {
	src, err := network.New(url, network.WithTimeout(10*time.Second))
	if err != nil {
		return err
	}
	defer src.Close()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	video := make(chan *media.VideoFrame, 4)
	audio := make(chan *media.AudioFrame, 64)
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx, video, audio); close(video); close(audio) }()
	var lat []time.Duration
	frames := 0
	const wallMod = int64(1) << 40
	for video != nil || audio != nil {
		select {
		case f, ok := <-video:
			if !ok {
				video = nil
				continue
			}
			frames++
			if latency {
				if b, err := testpattern.DecodeI420(f); err == nil {
					now := time.Now().UnixMilli() % wallMod
					ms := (now - int64(b.WallMs) + wallMod) % wallMod
					lat = append(lat, time.Duration(ms)*time.Millisecond)
				}
			}
		case _, ok := <-audio:
			if !ok {
				audio = nil
			}
		}
	}
	if err := <-done; err != nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		return err
	}
	if !latency {
		fmt.Printf("decoded %d video frames in %v\n", frames, d)
		return nil
	}
	if len(lat) == 0 {
		return errors.New("no barcode read: is the input onair's test pattern?")
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) time.Duration { return lat[int(p*float64(len(lat)-1))] }
	verdict := "met"
	if pct(0.5) > time.Second {
		verdict = "MISSED"
	}
	fmt.Printf("| p50 ms | p95 ms | max ms | frames | goal |\n|---:|---:|---:|---:|---|\n| %d | %d | %d | %d | p50 ≤ 1000 ms %s |\n",
		pct(0.5).Milliseconds(), pct(0.95).Milliseconds(), lat[len(lat)-1].Milliseconds(), len(lat), verdict)
	return nil
}
