package encode

import (
	"errors"
	"testing"
	"time"

	"github.com/onair-dev/onair/capture/testpattern"
	"github.com/onair-dev/onair/media"
)

func audioCfg(name string) AudioConfig {
	c := DefaultAudio()
	c.Encoder = name
	if name == "libopus" {
		c.Bitrate = 128_000
	}
	return c
}

// encodeAudio feeds chunks of test pattern audio starting at the given
// sample indexes (each chunk `size` samples) and returns the packets that
// Encode returned and those Flush returned.
func encodeAudio(t *testing.T, e *AudioEncoder, starts []int64, size int) (during, flushed []*media.Packet) {
	t.Helper()
	src := pattern(t, 320, 240)
	for _, s := range starts {
		p, err := e.Encode(src.Audio(s, size))
		if err != nil {
			t.Fatalf("chunk at %d: %v", s, err)
		}
		during = append(during, p...)
	}
	flushed, err := e.Flush()
	if err != nil {
		t.Fatal(err)
	}
	return during, flushed
}

func contiguous(n int, size int) []int64 {
	s := make([]int64, n)
	for i := range s {
		s[i] = int64(i * size)
	}
	return s
}

func TestAudioEncodeTwoSeconds(t *testing.T) {
	const chunks = 100 // 100 x 960 = 2 s at 48 kHz
	const total = chunks * testpattern.ChunkSamples
	for _, c := range []struct {
		name, codec string
		frameSize   int
	}{
		{"aac", "aac", 1024},
		{"libopus", "opus", 960},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := openAudio(t, audioCfg(c.name))
			info := e.Info()
			if info.Kind != media.KindAudio || info.Codec != c.codec || info.SampleRate != 48000 || info.Channels != 2 ||
				info.FrameSize != c.frameSize || info.TimeBase != (media.Rational{Num: 1, Den: 48000}) || len(info.ExtraData) == 0 {
				t.Fatalf("Info() = %+v (extradata %d bytes)", info, len(info.ExtraData))
			}
			during, flushed := encodeAudio(t, e, contiguous(chunks, testpattern.ChunkSamples), testpattern.ChunkSamples)
			all := append(append([]*media.Packet(nil), during...), flushed...)
			checkPackets(t, all, media.KindAudio, info.TimeBase)
			if len(flushed) == 0 {
				t.Fatal("Flush returned no packets: the queued tail was lost")
			}
			// Every full frame of input is encoded, plus the padded tail and
			// whatever the encoder held back for its priming delay.
			frames := (total + c.frameSize - 1) / c.frameSize
			if len(all) < frames || len(all) > frames+2 {
				t.Fatalf("%d packets (%d during, %d at flush), want %d..%d", len(all), len(during), len(flushed), frames, frames+2)
			}
			var dur int64
			for i, p := range all {
				if i > 0 && p.PTS <= all[i-1].PTS {
					t.Fatalf("packet %d PTS %d after %d", i, p.PTS, all[i-1].PTS)
				}
				if i > 0 && p.DTS <= all[i-1].DTS {
					t.Fatalf("packet %d DTS %d after %d", i, p.DTS, all[i-1].DTS)
				}
				if p.Duration <= 0 || p.Duration > int64(c.frameSize) {
					t.Fatalf("packet %d duration %d", i, p.Duration)
				}
				dur += p.Duration
			}
			last := all[len(all)-1]
			end := last.PTS + last.Duration
			// The packets cover all 2 s of input and no more than one padded frame on top.
			if end < total || end > int64(frames*c.frameSize) {
				t.Fatalf("packets end at sample %d, want %d..%d", end, total, frames*c.frameSize)
			}
			if dur < total {
				t.Fatalf("packet durations sum to %d samples, input was %d", dur, total)
			}
			t.Logf("%s: %d packets (%d at flush), first PTS %d, end %d, durations %d", c.name, len(all), len(flushed), all[0].PTS, end, dur)
		})
	}
}

func TestAudioGapIsFilled(t *testing.T) {
	// Opus (960-sample frames) fed 960-sample chunks: without a gap, ten
	// chunks and a 480-sample tail leave half a frame queued; with a
	// 480-sample hole after the first chunk, the silence completes one more
	// frame during Encode, so the last packet before Flush is one frame later.
	const size = 960
	run := func(gap int64) (during, all []*media.Packet) {
		e := openAudio(t, audioCfg("libopus"))
		src := pattern(t, 320, 240)
		var out []*media.Packet
		pos := int64(0)
		for i := 0; i < 10; i++ {
			p, err := e.Encode(src.Audio(pos, size))
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, p...)
			pos += size
			if i == 0 {
				pos += gap
			}
		}
		p, err := e.Encode(src.Audio(pos, 480))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p...)
		during = out
		rest, err := e.Flush()
		if err != nil {
			t.Fatal(err)
		}
		return during, append(out, rest...)
	}
	durA, allA := run(0)
	durB, allB := run(480)
	if len(durB) != len(durA)+1 {
		t.Fatalf("with a 480-sample hole Encode returned %d packets, without %d: want one more (the hole is filled with silence)", len(durB), len(durA))
	}
	// PTS stay contiguous across the hole: silence, not a jump.
	for _, all := range [][]*media.Packet{allA, allB} {
		for i := 1; i < len(all); i++ {
			if all[i].PTS != all[i-1].PTS+all[i-1].Duration {
				t.Fatalf("packet %d PTS %d, previous %d + %d: timeline not contiguous", i, all[i].PTS, all[i-1].PTS, all[i-1].Duration)
			}
		}
	}
	lastA, lastB := durA[len(durA)-1], durB[len(durB)-1]
	if lastB.PTS-lastA.PTS != size {
		t.Fatalf("last packet during Encode at %d with the hole, %d without: want %d later", lastB.PTS, lastA.PTS, size)
	}
	// After Flush both runs cover 11 frames (the tail is padded to a frame),
	// so the hole is visible only in what was encoded before the tail.
	if len(allA) != len(allB) {
		t.Fatalf("after Flush %d packets with the hole, %d without", len(allB), len(allA))
	}
}

func TestAudioOverlapAndRestart(t *testing.T) {
	e := openAudio(t, audioCfg("libopus"))
	src := pattern(t, 320, 240)
	// A chunk wholly inside what was already queued is dropped.
	if _, err := e.Encode(src.Audio(0, 480)); err != nil {
		t.Fatal(err)
	}
	if p, err := e.Encode(src.Audio(0, 480)); err != nil || len(p) != 0 {
		t.Fatalf("overlapping chunk: %d packets, %v", len(p), err)
	}
	// 480 queued + 480 new (of which 240 overlap) = 720: still no frame.
	if p, err := e.Encode(src.Audio(240, 480)); err != nil || len(p) != 0 {
		t.Fatalf("partly overlapping chunk: %d packets, %v", len(p), err)
	}
	if p, err := e.Encode(src.Audio(720, 240)); err != nil || len(p) != 1 {
		t.Fatalf("chunk completing the frame: %d packets, %v", len(p), err)
	}
	// A hole longer than maxGapFill restarts the timeline instead of
	// writing seconds of silence.
	far := int64(960 + maxGapFill + 48000)
	p, err := e.Encode(src.Audio(far, 960))
	if err != nil || len(p) != 1 {
		t.Fatalf("chunk after a long hole: %d packets, %v", len(p), err)
	}
}

func TestAudioBadInput(t *testing.T) {
	e := openAudio(t, audioCfg("aac"))
	wrongRate := media.NewAudioFrame(media.SampleS16, 44100, 2, 960, 0)
	if _, err := e.Encode(wrongRate); !errors.Is(err, ErrBadConfig) {
		t.Fatalf("44.1 kHz frame into a 48 kHz encoder: %v, want ErrBadConfig", err)
	}
	mono := media.NewAudioFrame(media.SampleS16, 48000, 1, 960, 0)
	if _, err := e.Encode(mono); !errors.Is(err, ErrBadConfig) {
		t.Fatalf("mono frame into a stereo encoder: %v, want ErrBadConfig", err)
	}
	short := media.NewAudioFrame(media.SampleS16, 48000, 2, 960, 0)
	short.Data = short.Data[:100]
	if _, err := e.Encode(short); !errors.Is(err, media.ErrBadFrame) {
		t.Fatalf("short audio buffer: %v, want media.ErrBadFrame", err)
	}
	// Float input works too.
	flt := media.NewAudioFrame(media.SampleF32, 48000, 2, 2048, 0)
	p, err := e.Encode(flt)
	if err != nil {
		t.Fatalf("f32 frame: %v", err)
	}
	rest, err := e.Flush()
	if err != nil || len(p)+len(rest) < 2 {
		t.Fatalf("f32 2048 samples: %d+%d packets, flush %v", len(p), len(rest), err)
	}
	if _, err := e.Encode(flt); !errors.Is(err, ErrEncode) {
		t.Fatalf("Encode after Flush: %v, want ErrEncode", err)
	}
}

func TestAudioConfigBad(t *testing.T) {
	for name, mod := range map[string]func(*AudioConfig){
		"rate 32000":    func(c *AudioConfig) { c.SampleRate = 32000 },
		"rate 0":        func(c *AudioConfig) { c.SampleRate = 0 },
		"channels 0":    func(c *AudioConfig) { c.Channels = 0 },
		"channels 6":    func(c *AudioConfig) { c.Channels = 6 },
		"bitrate low":   func(c *AudioConfig) { c.Bitrate = 8000 },
		"bitrate high":  func(c *AudioConfig) { c.Bitrate = 1_000_000 },
		"bitrate unset": func(c *AudioConfig) { c.Bitrate = 0 },
	} {
		cfg := DefaultAudio()
		mod(&cfg)
		if err := cfg.Validate(); !errors.Is(err, ErrBadConfig) {
			t.Errorf("%s: Validate = %v, want ErrBadConfig", name, err)
		}
		if e, err := OpenAudio(cfg); !errors.Is(err, ErrBadConfig) {
			if e != nil {
				e.Close()
			}
			t.Errorf("%s: OpenAudio = %v, want ErrBadConfig", name, err)
		}
	}
	cfg := DefaultAudio()
	cfg.Encoder = "libx264"
	if _, err := OpenAudio(cfg); !errors.Is(err, ErrUnknownEncoder) {
		t.Errorf("OpenAudio(libx264) = %v, want ErrUnknownEncoder", err)
	}
	cfg.Encoder = "nosuchaudio"
	if _, err := OpenAudio(cfg); !errors.Is(err, ErrUnknownEncoder) {
		t.Errorf("OpenAudio(nosuchaudio) = %v, want ErrUnknownEncoder", err)
	}
	// Mono and 44.1 kHz open.
	for _, c := range []AudioConfig{
		{Encoder: "aac", SampleRate: 44100, Channels: 2, Bitrate: 128_000},
		{Encoder: "aac", SampleRate: 48000, Channels: 1, Bitrate: 64_000},
		{Encoder: "libopus", SampleRate: 48000, Channels: 1, Bitrate: 64_000},
	} {
		e := openAudio(t, c)
		if e.Info().SampleRate != c.SampleRate || e.Info().Channels != c.Channels {
			t.Errorf("%+v: Info %+v", c, e.Info())
		}
	}
}

func TestAudioCloseTwice(t *testing.T) {
	for _, name := range []string{"aac", "libopus"} {
		e, err := OpenAudio(audioCfg(name))
		if err != nil {
			t.Fatal(err)
		}
		withinTimeout(t, 5*time.Second, name+" Close", func() {
			e.Close()
			e.Close()
		})
	}
}
