package network

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onair-dev/onair/internal/nginxrtmp"
	"github.com/onair-dev/onair/internal/testenv"
	"github.com/onair-dev/onair/media"
)

// publish starts the ffmpeg CLI in the background; it is stopped at cleanup.
func publish(t *testing.T, args ...string) *publisher {
	t.Helper()
	full := append([]string{"-hide_banner", "-loglevel", "error", "-nostdin"}, args...)
	cmd := exec.Command(testenv.Tool(t, "ffmpeg"), full...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &publisher{cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("ffmpeg stderr: %s", stderr.String())
		}
	})
	return p
}

type publisher struct {
	cmd  *exec.Cmd
	done chan struct{}
}

// retryNew opens url until it works or limit passes (the publisher needs
// a moment to appear).
func retryNew(t *testing.T, url string, limit time.Duration, opts ...Option) *Source {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		src, err := New(url, opts...)
		if err == nil {
			return src
		}
		if strings.Contains(err.Error(), nginxrtmp.Key) {
			t.Fatalf("key in error: %v", err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("open %s: %v", url, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestRTMPPull(t *testing.T) {
	srv := nginxrtmp.Start(t)
	publish(t, "-re", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30", "-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=44100",
		"-t", "6", "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "30", "-pix_fmt", "yuv420p",
		"-c:a", "aac", "-f", "flv", srv.URL(nginxrtmp.Key))
	src := retryNew(t, srv.URL(nginxrtmp.Key), 10*time.Second, WithTimeout(3*time.Second))
	defer src.Close()
	info := src.Info()
	if !info.Live || info.Video == nil || info.Video.Width != 640 || info.Video.Height != 360 || info.Audio == nil {
		t.Fatalf("info %+v %+v", info, info.Video)
	}
	if strings.Contains(info.Name, nginxrtmp.Key) {
		t.Fatalf("key in name %q", info.Name)
	}
	r := collect(t, src, 20*time.Second)
	if r.err != nil && !errors.Is(r.err, ErrUnreachable) {
		t.Fatal(r.err)
	}
	if len(r.video) < 30 {
		t.Fatalf("only %d video frames", len(r.video))
	}
	checkMonotonic(t, r)
	span := r.video[len(r.video)-1].PTS - r.video[0].PTS
	expect := int(span.Seconds()*30) + 1
	got := len(r.video)
	t.Logf("RTMP: %d video frames of %d expected over %v (%.1f%%), %d audio frames, stats %+v", got, expect, span, 100*float64(got)/float64(expect), len(r.audio), src.Stats())
	if float64(got) < 0.95*float64(expect) {
		t.Fatalf("received %d of %d frames", got, expect)
	}
	for _, f := range r.video {
		if f.Width != 640 || f.Height != 360 {
			t.Fatalf("frame %dx%d", f.Width, f.Height)
		}
	}
	if len(r.audio) == 0 {
		t.Fatal("no audio")
	}
}

// hlsServer serves dir on 127.0.0.1, returning 404 for missing files.
func hlsServer(t *testing.T, dir string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.FileServer(http.Dir(dir)), ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() { srv.Serve(l); close(done) }()
	t.Cleanup(func() { srv.Close(); <-done })
	return "http://" + l.Addr().String()
}

func TestHLSPlaysThroughMissingSegment(t *testing.T) {
	dir := t.TempDir()
	ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-f", "lavfi", "-i", "sine=sample_rate=48000",
		"-t", "8", "-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-pix_fmt", "yuv420p", "-c:a", "aac",
		"-f", "hls", "-hls_time", "2", "-hls_list_size", "0", "-hls_playlist_type", "vod",
		"-hls_segment_filename", filepath.Join(dir, "seg%d.ts"), filepath.Join(dir, "index.m3u8"))
	if err := os.Remove(filepath.Join(dir, "seg1.ts")); err != nil {
		t.Fatal(err)
	}
	base := hlsServer(t, dir)
	src, err := New(base+"/index.m3u8", WithTimeout(3*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	r := collect(t, src, 30*time.Second)
	if r.err != nil {
		t.Fatal(r.err)
	}
	checkMonotonic(t, r)
	st := src.Stats()
	t.Logf("HLS: %d video frames, %d audio frames, stats %+v", len(r.video), len(r.audio), st)
	// 8 s at 25 fps less one 2 s segment: about 150 frames.
	if len(r.video) < 140 || len(r.video) > 160 {
		t.Fatalf("%d frames, want ~150", len(r.video))
	}
	if st.SegmentErrors < 1 || st.Discontinuities < 1 {
		t.Fatalf("gap not counted: %+v", st)
	}
}

func TestHLSBadPlaylists(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "junk.m3u8"), []byte("this is not a playlist\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "empty.m3u8"), []byte("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-ENDLIST\n"), 0o644)
	base := hlsServer(t, dir)
	for name, want := range map[string]error{"junk.m3u8": ErrBadPlaylist, "empty.m3u8": ErrBadPlaylist, "missing.m3u8": ErrUnreachable} {
		_, err := New(base+"/"+name+"?token=SECRET", WithTimeout(3*time.Second))
		if !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", name, err, want)
		} else if strings.Contains(err.Error(), "SECRET") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: message %q", name, err)
		}
	}
}

func freeUDPPort(t *testing.T) int {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

func TestSRTCaller(t *testing.T) {
	port := freeUDPPort(t)
	publish(t, "-re", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-f", "lavfi", "-i", "sine=sample_rate=48000",
		"-t", "5", "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "25", "-pix_fmt", "yuv420p",
		"-c:a", "aac", "-f", "mpegts", fmt.Sprintf("srt://127.0.0.1:%d?mode=listener", port))
	src := retryNew(t, fmt.Sprintf("srt://127.0.0.1:%d?mode=caller", port), 10*time.Second, WithTimeout(3*time.Second))
	defer src.Close()
	if info := src.Info(); !info.Live || info.Video == nil || info.Video.Width != 320 {
		t.Fatalf("info %+v", info)
	}
	r := collect(t, src, 20*time.Second)
	if r.err != nil && !errors.Is(r.err, ErrUnreachable) {
		t.Fatal(r.err)
	}
	checkMonotonic(t, r)
	t.Logf("SRT: %d video frames, %d audio frames, end %v", len(r.video), len(r.audio), r.err)
	if len(r.video) < 50 || len(r.audio) == 0 {
		t.Fatalf("%d video %d audio frames", len(r.video), len(r.audio))
	}
}

func TestUnreachable(t *testing.T) {
	closed := "rtmp://" + testenv.ClosedAddr(t) + "/live/" + nginxrtmp.Key
	start := time.Now()
	_, err := New(closed, WithTimeout(2*time.Second))
	if !errors.Is(err, ErrUnreachable) || strings.Contains(err.Error(), nginxrtmp.Key) {
		t.Fatalf("closed port: %v", err)
	}
	t.Logf("closed port: %v after %v", err, time.Since(start))

	silent := "rtmp://" + testenv.SilentServer(t) + "/live/" + nginxrtmp.Key
	start = time.Now()
	_, err = New(silent, WithTimeout(2*time.Second))
	el := time.Since(start)
	if !errors.Is(err, ErrUnreachable) || strings.Contains(err.Error(), nginxrtmp.Key) {
		t.Fatalf("silent server: %v", err)
	}
	if el > 4*time.Second {
		t.Fatalf("silent server took %v with a 2 s timeout", el)
	}
	t.Logf("silent server: %v after %v", err, el)

	silentHLS := "http://" + testenv.SilentServer(t) + "/live/" + nginxrtmp.Key + ".m3u8"
	start = time.Now()
	if _, err = New(silentHLS, WithTimeout(2*time.Second)); !errors.Is(err, ErrUnreachable) || time.Since(start) > 4*time.Second {
		t.Fatalf("silent http: %v after %v", err, time.Since(start))
	}
}

func TestCloseInterruptsBlockedRead(t *testing.T) {
	srv := nginxrtmp.Start(t)
	// A publisher that keeps sending so New can open; then it is stopped,
	// leaving the reader blocked with nothing to read.
	cmd := publish(t, "-re", "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=10", "-t", "30",
		"-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "10", "-f", "flv", srv.URL(nginxrtmp.Key))
	src := retryNew(t, srv.URL(nginxrtmp.Key), 10*time.Second, WithTimeout(30*time.Second))
	runErr := make(chan error, 1)
	go func() {
		runErr <- src.Run(context.Background(), nil, nil)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for src.Stats().FramesVideo < 5 {
		if time.Now().After(deadline) {
			t.Fatal("no frames")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.cmd.Process.Signal(os.Interrupt) // nginx keeps the play session open
	time.Sleep(500 * time.Millisecond)
	start := time.Now()
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-runErr:
		if err != nil {
			t.Fatalf("Run after Close: %v", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("Run still blocked 3 s after Close")
	}
	t.Logf("Close returned after %v", time.Since(start))
	if err := src.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
	if err := src.Run(context.Background(), nil, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("Run after Close: %v", err)
	}
}

func TestContextCancelStopsRun(t *testing.T) {
	p := makeClip(t, t.TempDir(), "c.mp4", "2")
	src, err := New(p, WithLoop(true), WithRealTime(true), WithClock(media.NewWallClock()))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := src.Run(ctx, make(chan *media.VideoFrame, 1000), make(chan *media.AudioFrame, 1000)); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("Run took %v after cancel", el)
	}
}
