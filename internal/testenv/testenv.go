// Package testenv gives tests the real tools they run against (ffmpeg,
// ffprobe, nginx) and fails, never skips, with the command that installs a
// missing one.
package testenv

import (
	"bytes"
	"encoding/json"
	"net"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
)

// InstallHint is what a person runs to get every tool the tests need.
const InstallHint = "run: make deps   (packaging/linux/deps.sh installs ffmpeg, nginx, libnginx-mod-rtmp, chromium, xvfb)"

// Tool returns the path of a command, failing the test if it is missing.
func Tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not found: %s", name, InstallHint)
	}
	return p
}

// RepoRoot is the module root (where go.mod is), found from this file.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// ProbeStream is what ffprobe reports about one stream, frames counted.
type ProbeStream struct {
	CodecName  string `json:"codec_name"`
	CodecType  string `json:"codec_type"`
	Profile    string `json:"profile"`
	Width      int    `json:"width"`
	Height     int    `json:"height"`
	SampleRate string `json:"sample_rate"`
	Channels   int    `json:"channels"`
	NbFrames   string `json:"nb_read_frames"`
	NbPackets  string `json:"nb_read_packets"`
}

// Frames is the decoded frame count ffprobe read.
func (s ProbeStream) Frames() int { n, _ := strconv.Atoi(s.NbFrames); return n }

// Packets is the packet count ffprobe read.
func (s ProbeStream) Packets() int { n, _ := strconv.Atoi(s.NbPackets); return n }

// Probe runs ffprobe on a file or URL, counting frames (decodes everything).
func Probe(t testing.TB, input string) []ProbeStream {
	t.Helper()
	out := run(t, Tool(t, "ffprobe"), "-v", "error", "-count_frames", "-count_packets",
		"-show_entries", "stream=codec_name,codec_type,profile,width,height,sample_rate,channels,nb_read_frames,nb_read_packets",
		"-of", "json", input)
	var r struct{ Streams []ProbeStream }
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("ffprobe %s: %v\n%s", input, err, out)
	}
	return r.Streams
}

// Find returns the first stream of a type ("video", "audio").
func Find(t testing.TB, streams []ProbeStream, typ string) ProbeStream {
	t.Helper()
	for _, s := range streams {
		if s.CodecType == typ {
			return s
		}
	}
	t.Fatalf("no %s stream in %+v", typ, streams)
	return ProbeStream{}
}

// StreamDurations returns the end time (last packet pts+duration, seconds)
// of the video and audio streams, read from packets, not headers.
func StreamDurations(t testing.TB, input string) (video, audio float64) {
	t.Helper()
	out := run(t, Tool(t, "ffprobe"), "-v", "error", "-show_entries", "packet=codec_type,pts_time,duration_time", "-of", "json", input)
	var r struct {
		Packets []struct {
			CodecType string `json:"codec_type"`
			PTS       string `json:"pts_time"`
			Dur       string `json:"duration_time"`
		}
	}
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("ffprobe packets %s: %v", input, err)
	}
	for _, p := range r.Packets {
		pts, _ := strconv.ParseFloat(p.PTS, 64)
		d, _ := strconv.ParseFloat(p.Dur, 64)
		end := pts + d
		if p.CodecType == "video" && end > video {
			video = end
		}
		if p.CodecType == "audio" && end > audio {
			audio = end
		}
	}
	return video, audio
}

func run(t testing.TB, name string, args ...string) []byte {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, stderr.String())
	}
	return stdout.Bytes()
}

// ClosedAddr is a 127.0.0.1 port that was just free: connections are refused.
func ClosedAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// SilentServer accepts TCP on 127.0.0.1 and never sends a byte: a server
// that hangs. Everything is closed when the test ends.
func SilentServer(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}
