// Command filters pushes N pre-made I420 frames through a filters.Stage with
// an empty chain (the BGR probe still runs) and drains Frames as fast as it
// can. It prints one line: frames, seconds from the first Push to the last
// frame out, and frames/s. bench/filters.sh times the whole process.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/onair-dev/onair/filters"
	"github.com/onair-dev/onair/media"
)

func main() {
	n := flag.Int("frames", 600, "frames to push")
	w := flag.Int("width", 1280, "width")
	h := flag.Int("height", 720, "height")
	distinct := flag.Int("distinct", 30, "pre-made frames cycled through (Push copies each)")
	live := flag.Bool("live", true, "appsrc is-live (the stage's default)")
	flag.Parse()
	if err := run(*n, *w, *h, *distinct, *live); err != nil {
		fmt.Fprintln(os.Stderr, "filters bench:", err)
		os.Exit(1)
	}
}

func run(n, w, h, distinct int, live bool) error {
	frames := make([]*media.VideoFrame, max(distinct, 1))
	for i := range frames { // a moving gradient, so no frame is flat
		f := media.NewVideoFrame(media.PixelI420, w, h)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				f.Plane[0][y*f.Stride[0]+x] = byte(x + y + i*8)
			}
		}
		for j := range f.Plane[1] {
			f.Plane[1][j], f.Plane[2][j] = byte(j+i), byte(255-j)
		}
		frames[i] = f
	}
	s, err := filters.NewStage(filters.WithLive(live))
	if err != nil {
		return err
	}
	done := make(chan int)
	go func() {
		got := 0
		for range s.Frames() {
			got++
		}
		done <- got
	}()
	t0 := time.Now()
	for i := 0; i < n; i++ {
		f := frames[i%len(frames)]
		f.Seq, f.PTS = uint64(i), time.Duration(i)*time.Second/30
		if err := s.Push(f); err != nil {
			return fmt.Errorf("push %d: %w", i, err)
		}
	}
	if err := s.Close(); err != nil {
		return err
	}
	got := <-done
	el := time.Since(t0)
	if got != n {
		return fmt.Errorf("%d frames out of %d", got, n)
	}
	fmt.Printf("frames=%d seconds=%.3f fps=%.1f\n", got, el.Seconds(), float64(got)/el.Seconds())
	return nil
}
