package stream

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/onair-dev/onair/internal/testenv"
	"github.com/onair-dev/onair/media"
)

// recordingPath is the file a recording sink writes (its Name minus "record ").
func recordingPath(t *testing.T, s Sink) string {
	t.Helper()
	p, ok := strings.CutPrefix(s.Name(), "record ")
	if !ok {
		t.Fatalf("recording Name() %q", s.Name())
	}
	return p
}

func TestRecordingRoundTrip(t *testing.T) {
	for _, c := range []struct {
		file, venc, aenc, vcodec, acodec string
	}{
		{"h264.mkv", "libx264", "aac", "h264", "aac"},
		{"h264.mp4", "libx264", "aac", "h264", "aac"},
		{"vp9.mkv", "libvpx-vp9", "libopus", "vp9", "opus"},
	} {
		t.Run(c.file, func(t *testing.T) {
			a := encodeAV(t, c.venc, c.aenc, 3)
			sink, err := NewRecording(filepath.Join(t.TempDir(), c.file))
			if err != nil {
				t.Fatal(err)
			}
			if err := CheckCodecs(sink, a.streams[0].Codec, a.streams[1].Codec); err != nil {
				t.Fatal(err)
			}
			if err := sink.Open(context.Background(), a.streams); err != nil {
				t.Fatal(err)
			}
			writeAll(t, sink, a)
			if err := closeTwice(t, sink); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if err := sink.WritePacket(a.packets[0]); !errors.Is(err, ErrClosed) {
				t.Fatalf("WritePacket after Close = %v, want ErrClosed", err)
			}
			if err := sink.Open(context.Background(), a.streams); !errors.Is(err, ErrClosed) {
				t.Fatalf("Open after Close = %v, want ErrClosed", err)
			}
			path := recordingPath(t, sink)
			streams := testenv.Probe(t, path)
			v := testenv.Find(t, streams, "video")
			au := testenv.Find(t, streams, "audio")
			if v.CodecName != c.vcodec || v.Width != 640 || v.Height != 360 || v.Frames() != a.frames {
				t.Errorf("video stream %+v, want %s 640x360 with %d frames", v, c.vcodec, a.frames)
			}
			if au.CodecName != c.acodec || au.SampleRate != "48000" || au.Channels != 2 {
				t.Errorf("audio stream %+v, want %s 48 kHz stereo", au, c.acodec)
			}
			vd, ad := testenv.StreamDurations(t, path)
			if math.Abs(vd-ad) > 0.050 {
				t.Errorf("video ends at %.3f s, audio at %.3f s: more than 50 ms apart", vd, ad)
			}
			if math.Abs(vd-a.duration.Seconds()) > 0.050 {
				t.Errorf("video ends at %.3f s, want %.3f", vd, a.duration.Seconds())
			}
		})
	}
}

func TestRecordingVideoOnly(t *testing.T) {
	a := encodeAV(t, "libx264", "aac", 3)
	sink, err := NewRecording(filepath.Join(t.TempDir(), "v.mkv"))
	if err != nil {
		t.Fatal(err)
	}
	// Only the video stream: audio packets are ignored, not an error.
	if err := sink.Open(context.Background(), a.streams[:1]); err != nil {
		t.Fatal(err)
	}
	writeAll(t, sink, a)
	if err := closeTwice(t, sink); err != nil {
		t.Fatal(err)
	}
	streams := testenv.Probe(t, recordingPath(t, sink))
	if len(streams) != 1 || streams[0].CodecType != "video" || streams[0].Frames() != a.frames {
		t.Fatalf("streams %+v, want one video stream of %d frames", streams, a.frames)
	}
}

func TestRecordingFileGrowsWhileWriting(t *testing.T) {
	// Recordings flush as they go, so a killed onair leaves what it wrote.
	a := encodeAV(t, "libx264", "aac", 3)
	for _, f := range []string{"grow.mkv", "grow.mp4"} {
		sink, err := NewRecording(filepath.Join(t.TempDir(), f))
		if err != nil {
			t.Fatal(err)
		}
		if err := sink.Open(context.Background(), a.streams); err != nil {
			t.Fatal(err)
		}
		writeAll(t, sink, a)
		st, err := os.Stat(recordingPath(t, sink))
		if err != nil {
			t.Fatal(err)
		}
		var size int
		for _, p := range a.packets {
			size += len(p.Data)
		}
		// Before Close, at least all but the last second's worth is on disk.
		if st.Size() < int64(size)/2 {
			t.Errorf("%s: %d bytes on disk before Close, %d bytes of packets written", f, st.Size(), size)
		}
		if err := closeTwice(t, sink); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRecordingMisuse(t *testing.T) {
	a := encodeAV(t, "libx264", "aac", 3)
	dir := t.TempDir()
	sink, err := NewRecording(filepath.Join(dir, "m.mkv"))
	if err != nil {
		t.Fatal(err)
	}
	// Writing before Open is refused.
	if err := sink.WritePacket(a.packets[0]); !errors.Is(err, ErrClosed) {
		t.Fatalf("WritePacket before Open = %v, want ErrClosed", err)
	}
	// A codec FFmpeg does not know is refused at Open.
	bad := append([]media.StreamInfo(nil), a.streams...)
	bad[0].Codec = "nosuchcodec"
	if err := sink.Open(context.Background(), bad); !errors.Is(err, ErrUnsupportedCodec) {
		t.Fatalf("Open with an unknown codec = %v, want ErrUnsupportedCodec", err)
	}
	if err := closeTwice(t, sink); err != nil {
		t.Fatalf("Close after a failed Open: %v", err)
	}
	// Abort on a recording makes later writes fail with ErrClosed, and Close
	// still frees everything.
	sink, err = NewRecording(filepath.Join(dir, "abort.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	if err := sink.Open(context.Background(), a.streams); err != nil {
		t.Fatal(err)
	}
	for _, p := range a.packets[:10] {
		if err := sink.WritePacket(p); err != nil {
			t.Fatal(err)
		}
	}
	sink.Abort()
	sink.Abort()
	if err := sink.WritePacket(a.packets[10]); !errors.Is(err, ErrClosed) {
		t.Fatalf("WritePacket after Abort = %v, want ErrClosed", err)
	}
	closeTwice(t, sink)
	// Abort on a sink that never opened is harmless.
	s2, err := NewRecording(filepath.Join(dir, "never.mkv"))
	if err != nil {
		t.Fatal(err)
	}
	s2.Abort()
	closeTwice(t, s2)
}

func TestRecordingNames(t *testing.T) {
	dir := t.TempDir()
	for i := 0; i < 3; i++ {
		s, err := Parse(filepath.Join(dir, "n.mp4"))
		if err != nil {
			t.Fatal(err)
		}
		want := filepath.Join(dir, "n.mp4")
		if i > 0 {
			want = filepath.Join(dir, "n-"+strconv.Itoa(i)+".mp4")
		}
		if got := recordingPath(t, s); got != want {
			t.Fatalf("recording %d at %s, want %s", i, got, want)
		}
		defer s.Close() // open sinks hold their names
	}
}
