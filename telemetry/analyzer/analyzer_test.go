package analyzer

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/onair-dev/onair/capture/testpattern"
	"github.com/onair-dev/onair/media"
)

const fps = 30

var wall = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func source(t testing.TB, offset time.Duration) *testpattern.Source {
	t.Helper()
	s, err := testpattern.New(testpattern.WithSize(320, 240), testpattern.WithFrameRate(fps),
		testpattern.WithRealTime(false), testpattern.WithAVOffset(offset))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// feed interleaves secs of the pattern into a in PTS order; vmod and amod
// may alter frames (nil = as rendered).
func feed(a *Analyzer, s *testpattern.Source, secs int, vmod func(*media.VideoFrame), amod func(*media.AudioFrame)) {
	var n, smp int64
	end := int64(secs * testpattern.SampleRate)
	for n < int64(secs*fps) || smp < end {
		vp := time.Duration(n) * time.Second / fps
		if n < int64(secs*fps) && (smp >= end || vp <= media.SamplesToDuration(smp, testpattern.SampleRate)) {
			f := s.Frame(n, wall)
			if vmod != nil {
				vmod(f)
			}
			a.AddVideo(f)
			n++
			continue
		}
		c := s.Audio(smp, testpattern.ChunkSamples)
		if amod != nil {
			amod(c)
		}
		a.AddAudio(c)
		smp += testpattern.ChunkSamples
	}
}

func addNoise(rng *rand.Rand, dbfs float64) func(*media.AudioFrame) {
	sigma := 32768 * math.Pow(10, dbfs/20) // RMS
	return func(c *media.AudioFrame) {
		for i := 0; i+1 < len(c.Data); i += 2 {
			v := float64(int16(binary.LittleEndian.Uint16(c.Data[i:]))) + rng.NormFloat64()*sigma
			v = math.Max(-32768, math.Min(32767, math.Round(v)))
			binary.LittleEndian.PutUint16(c.Data[i:], uint16(int16(v)))
		}
	}
}

var offsets = []time.Duration{-120 * time.Millisecond, -40 * time.Millisecond, 0, 25 * time.Millisecond,
	45 * time.Millisecond, 100 * time.Millisecond}

func TestTestPatternOffsets(t *testing.T) {
	for _, off := range offsets {
		a := New()
		feed(a, source(t, off), 20, nil, nil)
		r, err := a.Result()
		if err != nil {
			t.Fatalf("%v: %v", off, err)
		}
		want := float64(off) / 1e6
		t.Logf("injected %+7.1f ms  reported mean %+9.4f std %.4f min %+.4f max %+.4f events %d drift %+.4f ms/min",
			want, r.MeanMs, r.StdMs, r.MinMs, r.MaxMs, len(r.Events), r.DriftMsPerMin)
		if math.Abs(r.MeanMs-want) > 1 || r.MaxMs-r.MinMs > 0.05 {
			t.Errorf("%v: mean %.4f min %.4f max %.4f", off, r.MeanMs, r.MinMs, r.MaxMs)
		}
		if len(r.Events) < 9 {
			t.Errorf("%v: only %d events", off, len(r.Events))
		}
	}
}

func TestNoiseAndDarkVideo(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	dark := func(f *media.VideoFrame) {
		if testpattern.IsFlashFrame(int(f.Seq), fps) {
			return
		}
		for i := range f.Plane[0] { // constant dark level with a little sensor noise
			f.Plane[0][i] = byte(40 + rng.IntN(9) - 4)
		}
	}
	for _, off := range offsets {
		a := New()
		feed(a, source(t, off), 20, dark, addNoise(rng, -40))
		r, err := a.Result()
		if err != nil {
			t.Fatalf("%v: %v", off, err)
		}
		want := float64(off) / 1e6
		t.Logf("noise -40 dBFS, dark video: injected %+7.1f ms reported %+9.4f (min %+.4f max %+.4f, %d events)",
			want, r.MeanMs, r.MinMs, r.MaxMs, len(r.Events))
		if math.Abs(r.MeanMs-want) > 1 || r.MaxMs-want > 1 || want-r.MinMs > 1 {
			t.Errorf("%v: mean %.4f min %.4f max %.4f", off, r.MeanMs, r.MinMs, r.MaxMs)
		}
	}
}

// beepChunks renders audio [from, to) with S16 stereo beeps (the pattern's
// cosine shape) starting at the given sample indices, in 960-sample chunks.
func beepChunks(from, to int64, starts []int64) []*media.AudioFrame {
	var out []*media.AudioFrame
	for s := from; s < to; s += testpattern.ChunkSamples {
		n := int(min(testpattern.ChunkSamples, to-s))
		c := media.NewAudioFrame(media.SampleS16, testpattern.SampleRate, 2, n, s)
		for _, b := range starts {
			for i := max(b, s); i < min(b+testpattern.BeepSamples, s+int64(n)); i++ {
				v := int16(math.Round(16384 * math.Cos(2*math.Pi*float64(i-b)/48)))
				o := int(i-s) * 4
				binary.LittleEndian.PutUint16(c.Data[o:], uint16(v))
				binary.LittleEndian.PutUint16(c.Data[o+2:], uint16(v))
			}
		}
		out = append(out, c)
	}
	return out
}

func TestDrift(t *testing.T) {
	const events = 100 // 200 s
	for _, tc := range []struct {
		base, drift float64 // ms, ms/min
		noise       bool
	}{{0, 2, false}, {-30, 2, true}, {20, -2, false}} {
		s := source(t, 0)
		a := New()
		rng := rand.New(rand.NewPCG(3, 4))
		var live []Event
		a.onEvent = func(e Event) { live = append(live, e) }
		for k := 1; k <= events; k++ {
			ft := testpattern.FlashTime(k)
			off := tc.base + tc.drift*ft.Minutes() // ms, positive = audio early
			bs := int64(math.Round((ft.Seconds() - off/1000) * testpattern.SampleRate))
			// Video: half a second either side of the flash.
			n0 := int64(k * 2 * fps)
			for n := n0 - fps/2; n <= n0+fps/2; n++ {
				a.AddVideo(s.Frame(n, wall))
			}
			// Audio: one second around the beep.
			c0 := (bs/testpattern.ChunkSamples - 25) * testpattern.ChunkSamples
			for _, c := range beepChunks(c0, c0+50*testpattern.ChunkSamples, []int64{bs}) {
				if tc.noise {
					addNoise(rng, -40)(c)
				}
				a.AddAudio(c)
			}
		}
		r, err := a.Result()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("drift injected %+.1f ms/min (base %+.0f ms, noise %v): reported %+.4f ms/min, mean %+.4f, %d events, %d live",
			tc.drift, tc.base, tc.noise, r.DriftMsPerMin, r.MeanMs, len(r.Events), len(live))
		if !r.DriftValid || math.Abs(r.DriftMsPerMin-tc.drift) > 0.5 || len(r.Events) != events {
			t.Errorf("drift %.4f valid %v events %d", r.DriftMsPerMin, r.DriftValid, len(r.Events))
		}
		wantMean := tc.base + tc.drift*(testpattern.FlashTime(1)+testpattern.FlashTime(events)).Minutes()/2
		if math.Abs(r.MeanMs-wantMean) > 0.1 {
			t.Errorf("mean %.4f want %.4f", r.MeanMs, wantMean)
		}
		if len(live) < events-1 || live[0] != r.Events[0] {
			t.Errorf("live events %d, first %+v vs %+v", len(live), live[0], r.Events[0])
		}
	}
}

func TestNoFlashes(t *testing.T) {
	a := New()
	s := source(t, 0)
	feed(a, s, 6, func(f *media.VideoFrame) {
		if testpattern.IsFlashFrame(int(f.Seq), fps) {
			*f = *s.Frame(int64(f.Seq)+1, wall) // no flash: show the next frame instead
		}
	}, nil)
	_, err := a.Result()
	var ne *NoEventsError
	if !errors.Is(err, ErrNoEvents) || !errors.As(err, &ne) || ne.Missing != "flashes" || !strings.Contains(err.Error(), "no flashes") {
		t.Fatalf("got %v", err)
	}
	if ne.Beeps == 0 {
		t.Fatalf("beeps should still be found: %+v", ne)
	}
}

func TestNoBeeps(t *testing.T) {
	a := New()
	rng := rand.New(rand.NewPCG(5, 6))
	noise := addNoise(rng, -40)
	feed(a, source(t, 0), 6, nil, func(c *media.AudioFrame) { clear(c.Data); noise(c) })
	_, err := a.Result()
	var ne *NoEventsError
	if !errors.As(err, &ne) || ne.Missing != "beeps" || !strings.Contains(err.Error(), "no beeps") {
		t.Fatalf("got %v", err)
	}
}

func TestNoAudioNoVideo(t *testing.T) {
	s := source(t, 0)
	a := New()
	for n := int64(0); n < 200; n++ {
		a.AddVideo(s.Frame(n, wall))
	}
	if _, err := a.Result(); !errors.Is(err, ErrNoAudio) || errors.Is(err, ErrNoVideo) {
		t.Fatalf("video only: %v", err)
	}
	b := New()
	b.AddAudio(s.Audio(0, 48000))
	if _, err := b.Result(); !errors.Is(err, ErrNoVideo) || errors.Is(err, ErrNoAudio) {
		t.Fatalf("audio only: %v", err)
	}
	if _, err := New().Result(); !errors.Is(err, ErrNoVideo) || !errors.Is(err, ErrNoAudio) {
		t.Fatalf("nothing: %v", err)
	}
}

func TestTooFewEvents(t *testing.T) {
	a := New()
	feed(a, source(t, 10*time.Millisecond), 5, nil, nil) // flashes at 2 s and 4 s with beeps
	r, err := a.Result()
	if !errors.Is(err, ErrTooFewEvents) || r.DriftValid || len(r.Events) != 2 || math.Abs(r.MeanMs-10) > 0.001 {
		t.Fatalf("err %v result %+v", err, r)
	}
	var buf bytes.Buffer
	if err := r.WriteJSON(&buf, "x"); err != nil || !strings.Contains(buf.String(), `"drift_ms_per_min": null`) {
		t.Fatalf("%v %s", err, buf.String())
	}
}

func TestSampleExactShifts(t *testing.T) {
	// Every sub-frame shift of the beep by whole samples is found exactly.
	s := source(t, 0)
	for shift := int64(-30); shift <= 30; shift += 7 {
		a := New()
		for n := int64(45); n <= 75; n++ {
			a.AddVideo(s.Frame(n, wall))
		}
		bs := 2*int64(testpattern.SampleRate) + shift
		for _, c := range beepChunks(48000, 144000, []int64{bs}) {
			a.AddAudio(c)
		}
		r, _ := a.Result()
		want := -float64(shift) * 1000 / testpattern.SampleRate
		if len(r.Events) != 1 || math.Abs(r.Events[0].OffsetMs-want) > 1e-9 {
			t.Fatalf("shift %d: %+v want %.6f", shift, r.Events, want)
		}
	}
}

func TestF32AndNoStart(t *testing.T) {
	// F32 mono chunks whose Start is left 0: continuity comes from PTS.
	s := source(t, 0)
	a := New()
	bs := int64(2*testpattern.SampleRate - 480) // 10 ms early
	for n := int64(45); n <= 75; n++ {
		a.AddVideo(s.Frame(n, wall))
	}
	for _, c := range beepChunks(48000, 144000, []int64{bs}) {
		f := media.NewAudioFrame(media.SampleF32, c.SampleRate, 1, c.Samples, 0)
		f.PTS = c.PTS
		for i := 0; i < c.Samples; i++ {
			v := float32(int16(binary.LittleEndian.Uint16(c.Data[4*i:]))) / 32768
			binary.LittleEndian.PutUint32(f.Data[4*i:], math.Float32bits(v))
		}
		a.AddAudio(f)
	}
	r, err := a.Result()
	if err != nil && !errors.Is(err, ErrTooFewEvents) || len(r.Events) != 1 || math.Abs(r.Events[0].OffsetMs-10) > 1e-9 {
		t.Fatalf("%v %+v", err, r.Events)
	}
}

func TestExport(t *testing.T) {
	a := New()
	feed(a, source(t, 25*time.Millisecond), 9, nil, nil)
	r, err := a.Result()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := r.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if lines[0] != "index,flash_s,beep_s,offset_ms" || len(lines) != len(r.Events)+1 || !strings.HasSuffix(lines[1], ",25") {
		t.Fatalf("csv:\n%s", buf.String())
	}
	buf.Reset()
	if err := r.WriteJSON(&buf, "run1"); err != nil {
		t.Fatal(err)
	}
	var j struct {
		Name   string   `json:"name"`
		Events []Event  `json:"events"`
		Drift  *float64 `json:"drift_ms_per_min"`
		Mean   float64  `json:"mean_ms"`
	}
	if err := json.Unmarshal(buf.Bytes(), &j); err != nil || j.Name != "run1" || len(j.Events) != len(r.Events) || j.Drift == nil || j.Mean != r.MeanMs {
		t.Fatalf("%v %s", err, buf.String())
	}
}

func TestConcurrentAdds(t *testing.T) {
	s := source(t, 40*time.Millisecond)
	a := New()
	done := make(chan struct{})
	go func() {
		for n := int64(0); n < 10*fps; n++ {
			a.AddVideo(s.Frame(n, wall))
		}
		close(done)
	}()
	for smp := int64(0); smp < 10*testpattern.SampleRate; smp += testpattern.ChunkSamples {
		a.AddAudio(s.Audio(smp, testpattern.ChunkSamples))
	}
	<-done
	r, err := a.Result()
	if err != nil || math.Abs(r.MeanMs-40) > 0.001 {
		t.Fatalf("%v %+v", err, r)
	}
}

// BenchmarkAnalyzer measures one second of media per op: 30 frames of
// 1280x720 I420 and 50 chunks of 48 kHz stereo S16.
func BenchmarkAnalyzer(b *testing.B) {
	s, err := testpattern.New(testpattern.WithRealTime(false))
	if err != nil {
		b.Fatal(err)
	}
	frames := make([]*media.VideoFrame, 2*fps)
	for i := range frames {
		frames[i] = s.Frame(int64(i), wall)
	}
	chunks := make([]*media.AudioFrame, 100)
	for i := range chunks {
		chunks[i] = s.Audio(int64(i*testpattern.ChunkSamples), testpattern.ChunkSamples)
	}
	a := New()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		base := time.Duration(i) * time.Second
		for j := 0; j < fps; j++ {
			f := frames[(i%2)*fps+j]
			f.PTS = base + time.Duration(j)*time.Second/fps
			a.AddVideo(f)
		}
		for j := 0; j < 50; j++ {
			c := chunks[(i%2)*50+j]
			c.Start = int64(i*testpattern.SampleRate + j*testpattern.ChunkSamples)
			c.PTS = media.SamplesToDuration(c.Start, testpattern.SampleRate)
			a.AddAudio(c)
		}
	}
	b.ReportMetric(1, "media-s/op")
}
