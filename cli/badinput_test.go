package cli_test

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/onair-dev/onair/internal/nginxrtmp"
	"github.com/onair-dev/onair/internal/testenv"
)

// secret is a stream key no output may ever print.
const secret = "sk_live_S3CRET_do_not_print"

// closedPort is a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

// failsWith asserts the exit code, that stderr ends in exactly one line
// "onair <cmd>: …" matching want (case-insensitive), and that no key leaked.
func failsWith(t *testing.T, r result, code int, cmd, want string) {
	t.Helper()
	wantExit(t, r, code)
	noSecret(t, r, secret)
	lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
	last := lines[len(lines)-1]
	prefix := "onair " + cmd + ": "
	if !strings.HasPrefix(last, prefix) {
		t.Fatalf("last stderr line %q, want it to start %q\n%s", last, prefix, r)
	}
	var n int
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d %q lines on stderr, want one:\n%s", n, prefix, r.stderr)
	}
	if !regexp.MustCompile("(?i)" + want).MatchString(last) {
		t.Errorf("message %q does not match %q", last, want)
	}
	if r.stdout != "" {
		t.Errorf("stdout not empty on failure: %q", r.stdout)
	}
}

const badRunLimit = 30 * time.Second

func TestPublishBadInput(t *testing.T) {
	dir := t.TempDir()
	rec := func(name string) string { return "record:" + filepath.Join(dir, name) }

	t.Run("malformed URL", func(t *testing.T) {
		r := onair(t, badRunLimit, "publish", "--duration", "2s", "--out", "rtmp://[::1/live/"+secret)
		failsWith(t, r, 2, "publish", "malformed URL")
	})
	t.Run("bad port", func(t *testing.T) {
		r := onair(t, badRunLimit, "publish", "--duration", "2s", "--out", "rtmp://127.0.0.1:99999/live/"+secret)
		failsWith(t, r, 2, "publish", "bad port")
	})
	t.Run("unknown scheme", func(t *testing.T) {
		r := onair(t, badRunLimit, "publish", "--duration", "2s", "--out", "ftp://127.0.0.1/live/"+secret)
		failsWith(t, r, 2, "publish", `unknown scheme "ftp"`)
	})
	t.Run("not a URL or recording", func(t *testing.T) {
		r := onair(t, badRunLimit, "publish", "--duration", "2s", "--out", filepath.Join(dir, "x.avi"))
		failsWith(t, r, 2, "publish", `not a URL or a \.mkv/\.mp4 file`)
	})
	t.Run("missing stream key", func(t *testing.T) {
		r := onair(t, badRunLimit, "publish", "--duration", "2s", "--out", "rtmp://127.0.0.1/app")
		failsWith(t, r, 2, "publish", "key missing")
	})
	t.Run("connection refused", func(t *testing.T) {
		url := "rtmp://127.0.0.1:" + strconv.Itoa(closedPort(t)) + "/live/" + secret
		r := onair(t, badRunLimit, "publish", "--duration", "20s", "--out", url)
		failsWith(t, r, 1, "publish", "connection refused.*cannot connect to server")
		if r.elapsed > 10*time.Second {
			t.Errorf("a refused connection took %v to report", r.elapsed)
		}
	})
	t.Run("server never answers", func(t *testing.T) {
		url := "rtmp://" + testenv.SilentServer(t) + "/live/" + secret
		r := onair(t, 20*time.Second, "publish", "--duration", "60s", "--timeout", "2s", "--out", url)
		failsWith(t, r, 1, "publish", "no answer within 2s")
		if r.elapsed > 15*time.Second {
			t.Errorf("a silent server took %v to give up on with --timeout 2s", r.elapsed)
		}
	})
	t.Run("rejected key", func(t *testing.T) {
		s := nginxrtmp.Start(t)
		r := onair(t, badRunLimit, "publish", "--duration", "20s", "--out", s.URL(secret))
		failsWith(t, r, 1, "publish", "rejected the app or stream key")
		if r.elapsed > 15*time.Second {
			t.Errorf("a rejected key took %v to report", r.elapsed)
		}
	})
	t.Run("recording folder missing", func(t *testing.T) {
		r := onair(t, badRunLimit, "publish", "--duration", "2s", "--out", rec("missing/folder/a.mkv"))
		failsWith(t, r, 2, "publish", "does not exist: recording path not writable")
	})
	t.Run("unknown encoder", func(t *testing.T) {
		r := onair(t, badRunLimit, "publish", "--duration", "2s", "--encoder", "x246", "--out", rec("enc.mkv"))
		failsWith(t, r, 2, "publish", `"x246": unknown encoder; usable here: .*\blibx264\b`)
	})
	t.Run("GPU encoder not usable", func(t *testing.T) {
		r := onair(t, badRunLimit, "publish", "--duration", "2s", "--encoder", "h264_nvenc", "--out", rec("gpu.mkv"))
		failsWith(t, r, 1, "publish", `h264_nvenc: .*(cuda|device|driver|gpu).*: encoder not usable here`)
	})
	t.Run("size out of range", func(t *testing.T) {
		r := onair(t, badRunLimit, "publish", "--duration", "2s", "--size", "99999x99999", "--out", rec("size.mkv"))
		failsWith(t, r, 2, "publish", "size 99999x99999 out of range")
	})
	t.Run("size not a size", func(t *testing.T) {
		r := onair(t, badRunLimit, "publish", "--duration", "2s", "--size", "big", "--out", rec("size2.mkv"))
		failsWith(t, r, 2, "publish", `size "big": want WIDTHxHEIGHT`)
	})
	t.Run("fps out of range", func(t *testing.T) {
		r := onair(t, badRunLimit, "publish", "--duration", "2s", "--fps", "0", "--out", rec("fps.mkv"))
		failsWith(t, r, 2, "publish", "frame rate 0 out of range")
	})
	t.Run("hevc to RTMP", func(t *testing.T) {
		url := "rtmp://127.0.0.1:" + strconv.Itoa(closedPort(t)) + "/live/" + secret
		r := onair(t, badRunLimit, "publish", "--duration", "2s", "--encoder", "libx265", "--out", url)
		failsWith(t, r, 2, "publish", "cannot carry hevc.*codec not supported by this output")
	})
}

func TestProbe(t *testing.T) {
	dir := t.TempDir()

	t.Run("missing file", func(t *testing.T) {
		r := onair(t, badRunLimit, "probe", filepath.Join(dir, "nothing.mkv"))
		failsWith(t, r, 1, "probe", "input not found")
	})
	t.Run("not media", func(t *testing.T) {
		junk := make([]byte, 64<<10)
		for i := range junk {
			junk[i] = byte(i*7919 + i>>3) // deterministic noise, no container magic
		}
		p := filepath.Join(dir, "junk.mp4")
		if err := os.WriteFile(p, junk, 0o644); err != nil {
			t.Fatal(err)
		}
		r := onair(t, badRunLimit, "probe", p)
		failsWith(t, r, 1, "probe", "not a media file or stream")
	})
	t.Run("unreachable rtmp", func(t *testing.T) {
		r := onair(t, badRunLimit, "probe", "rtmp://127.0.0.1:"+strconv.Itoa(closedPort(t))+"/live/"+secret)
		failsWith(t, r, 1, "probe", "input unreachable")
	})
	t.Run("unreachable http", func(t *testing.T) {
		r := onair(t, badRunLimit, "probe", "http://127.0.0.1:"+strconv.Itoa(closedPort(t))+"/"+secret+".m3u8")
		failsWith(t, r, 1, "probe", "input unreachable")
	})
	t.Run("unreachable other scheme", func(t *testing.T) {
		r := onair(t, badRunLimit, "probe", "ftp://127.0.0.1:"+strconv.Itoa(closedPort(t))+"/live/"+secret)
		failsWith(t, r, 1, "probe", "input unreachable")
	})
	t.Run("no argument", func(t *testing.T) {
		r := onair(t, badRunLimit, "probe")
		failsWith(t, r, 2, "probe", "want exactly one file or URL")
	})

	t.Run("good mkv", func(t *testing.T) {
		mkv := filepath.Join(dir, "good.mkv")
		r := onair(t, 60*time.Second, "publish", "--duration", "2s", "--realtime=false", "--size", "640x360", "--out", "record:"+mkv)
		wantExit(t, r, 0)

		r = onair(t, badRunLimit, "probe", mkv)
		wantExit(t, r, 0)
		for _, want := range []string{"format:   matroska", "video h264 640x360 30.000 fps", "audio aac 48000 Hz 2 ch"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("probe output lacks %q:\n%s", want, r.stdout)
			}
		}

		r = onair(t, badRunLimit, "probe", "--json", mkv)
		wantExit(t, r, 0)
		var got struct {
			Input, Format string
			Duration      int64 `json:"duration_ns"`
			Streams       []struct {
				Kind, Codec   string
				Width, Height int
				FPS           float64
				SampleRate    int `json:"sample_rate"`
				Channels      int
			}
		}
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatalf("probe --json: %v\n%s", err, r.stdout)
		}
		if got.Input != mkv || !strings.HasPrefix(got.Format, "matroska") || len(got.Streams) != 2 {
			t.Fatalf("probe --json: %+v", got)
		}
		if d := time.Duration(got.Duration); d < 1900*time.Millisecond || d > 2200*time.Millisecond {
			t.Errorf("probe --json duration %v, want ~2 s", d)
		}
		v, a := got.Streams[0], got.Streams[1]
		if v.Kind != "video" || v.Codec != "h264" || v.Width != 640 || v.Height != 360 || v.FPS != 30 {
			t.Errorf("probe --json video %+v", v)
		}
		if a.Kind != "audio" || a.Codec != "aac" || a.SampleRate != 48000 || a.Channels != 2 {
			t.Errorf("probe --json audio %+v", a)
		}
	})
}

func TestUnknownCommand(t *testing.T) {
	r := onair(t, badRunLimit, "frobnicate")
	wantExit(t, r, 2)
	if !strings.HasPrefix(r.stderr, `onair: unknown command "frobnicate"`) || !strings.Contains(r.stderr, "Commands:") {
		t.Errorf("stderr %q, want the unknown command named and the usage", r.stderr)
	}
}
