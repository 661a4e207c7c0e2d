package stream

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseBad(t *testing.T) {
	for _, spec := range []string{
		"",
		"nonsense",
		"ftp://x/y",
		"ftp://x/live/" + secret,
		"rtmp://",
		"rtmp:///app/" + secret,
		"rtmps:///live/" + secret,
		"rtmp://host/onlyapp",
		"rtmp://host/" + secret,
		"rtmp://host/live/",
		"rtmp://host:99999/app/" + secret,
		"rtmp://host:http2/app/" + secret,
		"rtmp://host:-1/app/" + secret,
		"rtmp://user:pw@:1935/app/" + secret,
		"record:file.avi",
		"file.avi",
		"record:",
		"http:///whip/" + secret,
		"https://",
		"srt://host:9000?streamid=" + secret,
		"rtmp://ho st/app/" + secret,
		"rtmp://host/app/" + secret + "\x7f",
	} {
		sink, err := Parse(spec)
		if sink != nil {
			sink.Close()
			t.Errorf("Parse(%q) returned a sink %q", spec, sink.Name())
		}
		if !errors.Is(err, ErrBadURL) {
			t.Errorf("Parse(%q) = %v, want ErrBadURL", spec, err)
			continue
		}
		noSecret(t, "Parse("+spec+") error", err.Error())
	}
}

func TestNewRTMPBad(t *testing.T) {
	for _, u := range []string{
		"record:x.mkv", "http://host/app/" + secret, "rtmp:///app/" + secret, "rtmp://host/" + secret, "rtmp://host:70000/a/" + secret,
	} {
		sink, err := NewRTMP(u, time.Second)
		if sink != nil || !errors.Is(err, ErrBadURL) {
			t.Errorf("NewRTMP(%q) = %v, %v; want ErrBadURL", u, sink, err)
			continue
		}
		noSecret(t, "NewRTMP error", err.Error())
	}
}

func TestParseGood(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ spec, name string }{
		{"rtmp://127.0.0.1:1935/live/" + secret, "rtmp rtmp://127.0.0.1:1935/"},
		{"rtmps://live.example.com/app/" + secret, "rtmp rtmps://live.example.com/"},
		{"RTMP://127.0.0.1/live/" + secret, "rtmp "},
		{"rtmp://127.0.0.1/live/sub/" + secret, "rtmp rtmp://127.0.0.1/"},
		{"rtmp://user:" + secret + "@127.0.0.1/live/key", "rtmp rtmp://"},
		{"https://whip.example.com/whip/" + secret, "whip https://whip.example.com/"},
		{"http://127.0.0.1:8080/whip", "whip http://127.0.0.1:8080/"},
		{"record:" + filepath.Join(dir, "a.mkv"), "record " + filepath.Join(dir, "a.mkv")},
		{"record:" + filepath.Join(dir, "b.mp4"), "record " + filepath.Join(dir, "b.mp4")},
		{filepath.Join(dir, "c.mkv"), "record " + filepath.Join(dir, "c.mkv")},
		{filepath.Join(dir, "d.MP4"), "record " + filepath.Join(dir, "d.MP4")},
	} {
		sink, err := Parse(c.spec, WithTimeout(1500*time.Millisecond))
		if err != nil {
			t.Errorf("Parse(%q): %v", c.spec, err)
			continue
		}
		if !strings.HasPrefix(sink.Name(), c.name) {
			t.Errorf("Parse(%q).Name() = %q, want prefix %q", c.spec, sink.Name(), c.name)
		}
		noSecret(t, "Name()", sink.Name())
		m, isMuxer := sink.(*muxer)
		if !isMuxer {
			if _, isWHIP := sink.(*WHIP); !isWHIP {
				t.Errorf("Parse(%q) gave %T", c.spec, sink)
			}
			closeTwice(t, sink)
			continue
		}
		if !m.network {
			// A recording is created at once (so a bad path fails before going live).
			if _, err := os.Stat(m.target); err != nil {
				t.Errorf("recording file %s not created: %v", m.target, err)
			}
		}
		if strings.HasPrefix(c.spec, "rtmp") || strings.HasPrefix(c.spec, "RTMP") {
			if m.format != "flv" || !m.network || m.timeout != 1500*time.Millisecond {
				t.Errorf("Parse(%q): format %s network %v timeout %v", c.spec, m.format, m.network, m.timeout)
			}
		} else if m.network {
			t.Errorf("Parse(%q): a recording marked network", c.spec)
		}
		// A sink that was never opened closes cleanly, twice.
		if err := closeTwice(t, sink); err != nil {
			t.Errorf("Close of unopened %q: %v", c.spec, err)
		}
	}
	// A recording that never went live leaves no empty file behind.
	for _, f := range []string{"a.mkv", "b.mp4", "c.mkv", "d.MP4"} {
		if _, err := os.Stat(filepath.Join(dir, f)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("unused recording file %s left behind: %v", f, err)
		}
	}
}

func TestWithTimeoutRange(t *testing.T) {
	for _, d := range []time.Duration{0, -time.Second, 2 * time.Minute} {
		if _, err := Parse("rtmp://127.0.0.1/live/"+secret, WithTimeout(d)); !errors.Is(err, ErrBadURL) {
			t.Errorf("WithTimeout(%v): %v, want ErrBadURL", d, err)
		}
	}
	// NewRTMP with no timeout uses the default.
	s, err := NewRTMP("rtmp://127.0.0.1/live/"+secret, 0)
	if err != nil {
		t.Fatal(err)
	}
	if s.(*muxer).timeout != DefaultTimeout {
		t.Fatalf("timeout %v, want %v", s.(*muxer).timeout, DefaultTimeout)
	}
	s.Close()
}

func TestRecordingUnwritable(t *testing.T) {
	for _, p := range []string{
		filepath.Join(t.TempDir(), "missing", "rec.mkv"),
		"/etc/hostname/x.mkv",       // under a regular file: not even root can
		"/proc/onair-test/x.mp4",    // no such folder in procfs
		"/proc/self/onair-test.mkv", // procfs refuses new files, root or not
	} {
		sink, err := NewRecording(p)
		if sink != nil {
			sink.Close()
		}
		if !errors.Is(err, ErrUnwritable) {
			t.Errorf("NewRecording(%q) = %v, want ErrUnwritable", p, err)
		}
	}
	if _, err := NewRecording(""); !errors.Is(err, ErrBadURL) {
		t.Errorf("NewRecording(\"\") = %v, want ErrBadURL", err)
	}
	if _, err := NewRecording(filepath.Join(t.TempDir(), "x.webm")); !errors.Is(err, ErrBadURL) {
		t.Errorf("NewRecording(x.webm) = %v, want ErrBadURL", err)
	}
}

func TestRecordingNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	orig := filepath.Join(dir, "rec.mkv")
	content := []byte("precious earlier recording")
	if err := os.WriteFile(orig, content, 0o644); err != nil {
		t.Fatal(err)
	}
	var names []string
	for i := 1; i <= 3; i++ {
		sink, err := NewRecording(orig)
		if err != nil {
			t.Fatal(err)
		}
		want := filepath.Join(dir, "rec-"+string(rune('0'+i))+".mkv")
		if sink.Name() != "record "+want {
			t.Fatalf("recording %d: Name() = %q, want %q", i, sink.Name(), "record "+want)
		}
		names = append(names, want)
		defer sink.Close() // open sinks hold their names
	}
	got, err := os.ReadFile(orig)
	if err != nil || !bytes.Equal(got, content) {
		t.Fatalf("rec.mkv now holds %q (%v), want its old bytes", got, err)
	}
	for _, n := range names {
		if _, err := os.Stat(n); err != nil {
			t.Fatalf("%s: %v", n, err)
		}
	}
}

func TestCheckCodecs(t *testing.T) {
	dir := t.TempDir()
	rtmp, err := NewRTMP("rtmp://127.0.0.1/live/"+secret, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	mp4, err := NewRecording(filepath.Join(dir, "a.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	mkv, err := NewRecording(filepath.Join(dir, "a.mkv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		sink         Sink
		video, audio string
		ok           bool
	}{
		{rtmp, "h264", "aac", true},
		{rtmp, "h264", "", true},
		{rtmp, "", "aac", true},
		{rtmp, "hevc", "aac", false},
		{rtmp, "av1", "aac", false},
		{rtmp, "h264", "opus", false},
		{mp4, "vp8", "aac", false},
		{mp4, "vp9", "opus", true},
		{mp4, "av1", "aac", true},
		{mp4, "hevc", "aac", true},
		{mkv, "vp8", "opus", true},
		{mkv, "vp9", "opus", true},
		{mkv, "h264", "aac", true},
		{mkv, "h264", "mp3", false},
	} {
		err := CheckCodecs(c.sink, c.video, c.audio)
		if c.ok && err != nil {
			t.Errorf("%s %s+%s: %v", c.sink.Name(), c.video, c.audio, err)
		}
		if !c.ok {
			if !errors.Is(err, ErrUnsupportedCodec) {
				t.Errorf("%s %s+%s: %v, want ErrUnsupportedCodec", c.sink.Name(), c.video, c.audio, err)
				continue
			}
			noSecret(t, "CheckCodecs error", err.Error())
		}
	}
	for _, s := range []Sink{rtmp, mp4, mkv} {
		s.Close()
	}
}
