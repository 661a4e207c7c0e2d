package testpattern

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/onair-dev/onair/media"
)

// TestBarcodeSurvivesCodecs encodes at a low bitrate with the ffmpeg CLI,
// decodes back, and reads every frame number.
func TestBarcodeSurvivesCodecs(t *testing.T) {
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Fatal("ffmpeg not found: run make deps (packaging/linux/deps.sh)")
	}
	const w, h, frames = 1280, 720, 60
	s, err := New(WithSize(w, h))
	if err != nil {
		t.Fatal(err)
	}
	start := time.UnixMilli(1_700_000_000_000)
	var raw bytes.Buffer
	for n := 0; n < frames; n++ {
		f := s.Frame(int64(n), start.Add(time.Duration(n)*time.Second/30))
		for p := 0; p < 3; p++ {
			raw.Write(f.Plane[p])
		}
	}
	in := []string{"-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", "1280x720", "-r", "30", "-i", "-"}
	for _, c := range []struct {
		name string
		args []string
	}{
		{"h264", []string{"-c:v", "libx264", "-b:v", "1M", "-maxrate", "1M", "-bufsize", "1M", "-preset", "veryfast", "-f", "h264", "out.h264"}},
		{"vp8", []string{"-c:v", "libvpx", "-b:v", "1M", "-deadline", "realtime", "-cpu-used", "8", "-f", "webm", "out.webm"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, c.args[len(c.args)-1])
			args := append(append([]string{"-hide_banner", "-loglevel", "error", "-y"}, in...), c.args[:len(c.args)-1]...)
			enc := exec.Command(ffmpeg, append(args, out)...)
			enc.Stdin = bytes.NewReader(raw.Bytes())
			if b, err := enc.CombinedOutput(); err != nil {
				t.Fatalf("encode: %v\n%s", err, b)
			}
			// passthrough: no frames dropped or duplicated on the way out.
			dec := exec.Command(ffmpeg, "-hide_banner", "-loglevel", "error", "-i", out,
				"-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-")
			var stderr bytes.Buffer
			dec.Stderr = &stderr
			yuv, err := dec.Output()
			if err != nil {
				t.Fatalf("decode: %v\n%s", err, stderr.Bytes())
			}
			size := w*h + 2*(w/2)*(h/2)
			if len(yuv) != frames*size {
				t.Fatalf("decoded %d bytes = %.2f frames, want %d", len(yuv), float64(len(yuv))/float64(size), frames)
			}
			for n := 0; n < frames; n++ {
				f := &media.VideoFrame{Format: media.PixelI420, Width: w, Height: h,
					Plane:  [3][]byte{yuv[n*size : n*size+w*h]},
					Stride: [3]int{w, w / 2, w / 2}}
				f.Plane[1] = yuv[n*size+w*h : n*size+w*h+w*h/4]
				f.Plane[2] = yuv[n*size+w*h+w*h/4 : (n+1)*size]
				b, err := DecodeI420(f)
				if err != nil {
					t.Fatalf("frame %d: %v", n, err)
				}
				wantMs := uint64(start.Add(time.Duration(n)*time.Second/30).UnixMilli()) % (1 << 40)
				if b.Frame != uint32(n) || b.WallMs != wantMs {
					t.Fatalf("frame %d read back as %+v, want wall %d", n, b, wantMs)
				}
			}
		})
	}
}
