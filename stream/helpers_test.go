package stream

import (
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onair-dev/onair/capture/testpattern"
	"github.com/onair-dev/onair/encode"
	"github.com/onair-dev/onair/media"
)

// secret is the stream key used in every URL whose error text is checked.
const secret = "sk_SECRET123"

// noSecret fails if s carries the stream key.
func noSecret(t *testing.T, what, s string) {
	t.Helper()
	if strings.Contains(s, secret) || strings.Contains(s, "SECRET") {
		t.Errorf("%s leaks the stream key: %q", what, s)
	}
}

// av is an encoded test pattern: stream infos and packets interleaved in
// decode-time order, as a session hands them to a sink.
type av struct {
	streams  []media.StreamInfo
	packets  []*media.Packet
	duration time.Duration
	frames   int
}

var (
	avMu    sync.Mutex
	avCache = map[string]*av{}
)

// encodeAV encodes seconds of test pattern at 640x360 30 fps with the named
// encoders (results are cached per combination for the test binary).
func encodeAV(t *testing.T, venc, aenc string, seconds int) *av {
	t.Helper()
	key := venc + "/" + aenc + "/" + string(rune('0'+seconds))
	avMu.Lock()
	defer avMu.Unlock()
	if r, ok := avCache[key]; ok {
		return r
	}
	src, err := testpattern.New(testpattern.WithSize(640, 360), testpattern.WithRealTime(false))
	if err != nil {
		t.Fatal(err)
	}
	vc := encode.DefaultVideo()
	vc.Encoder, vc.Width, vc.Height, vc.Bitrate = venc, 640, 360, 800_000
	ve, err := encode.OpenVideo(vc, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ve.Close()
	ac := encode.DefaultAudio()
	ac.Encoder = aenc
	if aenc == "libopus" {
		ac.Bitrate = 128_000
	}
	ae, err := encode.OpenAudio(ac)
	if err != nil {
		t.Fatal(err)
	}
	defer ae.Close()

	frames := seconds * 30
	wall := time.UnixMilli(1_700_000_000_000)
	var pkts []*media.Packet
	for n := 0; n < frames; n++ {
		p, err := ve.Encode(src.Frame(int64(n), wall.Add(time.Duration(n)*time.Second/30)))
		if err != nil {
			t.Fatal(err)
		}
		pkts = append(pkts, p...)
	}
	p, err := ve.Flush()
	if err != nil {
		t.Fatal(err)
	}
	pkts = append(pkts, p...)
	total := seconds * testpattern.SampleRate
	for s := 0; s < total; s += testpattern.ChunkSamples {
		p, err := ae.Encode(src.Audio(int64(s), testpattern.ChunkSamples))
		if err != nil {
			t.Fatal(err)
		}
		pkts = append(pkts, p...)
	}
	p, err = ae.Flush()
	if err != nil {
		t.Fatal(err)
	}
	pkts = append(pkts, p...)
	sort.SliceStable(pkts, func(i, j int) bool {
		return pkts[i].TimeBase.Duration(pkts[i].DTS) < pkts[j].TimeBase.Duration(pkts[j].DTS)
	})
	r := &av{
		streams:  []media.StreamInfo{ve.Info(), ae.Info()},
		packets:  pkts,
		duration: time.Duration(seconds) * time.Second,
		frames:   frames,
	}
	avCache[key] = r
	return r
}

// shifted returns a copy of p moved later by d on its own time base, for
// replaying a clip as one continuous stream.
func shifted(p *media.Packet, d time.Duration) *media.Packet {
	c := *p
	off := p.TimeBase.Ticks(d)
	c.PTS += off
	c.DTS += off
	return &c
}

// writeAll writes every packet of a to sink, failing on the first error.
func writeAll(t *testing.T, sink Sink, a *av) {
	t.Helper()
	for i, p := range a.packets {
		if err := sink.WritePacket(p); err != nil {
			t.Fatalf("packet %d (%v): %v", i, p.Kind, err)
		}
	}
}

// within runs f and fails the test, instead of hanging, if f takes longer
// than d. It returns how long f took.
func within(t *testing.T, d time.Duration, what string, f func()) time.Duration {
	t.Helper()
	start := time.Now()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
		return time.Since(start)
	case <-time.After(d):
		t.Fatalf("%s did not return within %v", what, d)
		return 0
	}
}

// closeTwice closes sink twice, each bounded, and returns the first result.
func closeTwice(t *testing.T, sink Sink) error {
	t.Helper()
	var first, second error
	within(t, 15*time.Second, "Close", func() { first = sink.Close() })
	within(t, 2*time.Second, "second Close", func() { second = sink.Close() })
	if (first == nil) != (second == nil) || (first != nil && first.Error() != second.Error()) {
		t.Errorf("second Close = %v, first %v: want the same", second, first)
	}
	return first
}
