package avsync

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

type arrival struct {
	audio   bool
	pts, at time.Duration
}

// stream builds 30 fps video and 20 ms audio chunks over [0, dur) arriving
// with latency lat (+ uniform jitter up to jit); audio arrives offset(pts)
// earlier than its video counterpart.
func stream(dur, lat, jit time.Duration, offset func(time.Duration) time.Duration, seed uint64) []arrival {
	rng := rand.New(rand.NewPCG(seed, 7))
	j := func() time.Duration {
		if jit == 0 {
			return 0
		}
		return time.Duration(rng.Int64N(int64(jit)))
	}
	var out []arrival
	for n := 0; ; n++ {
		p := time.Duration(n) * time.Second / 30
		if p >= dur {
			break
		}
		out = append(out, arrival{false, p, p + lat + j()})
	}
	for k := 0; ; k++ {
		p := time.Duration(k) * 20 * time.Millisecond
		if p >= dur {
			break
		}
		out = append(out, arrival{true, p, p + lat - offset(p) + j()})
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].at < out[b].at })
	return out
}

func run(m *Meter, arr []arrival) {
	for _, a := range arr {
		if a.audio {
			m.ObserveAudio(a.pts, a.at)
		} else {
			m.ObserveVideo(a.pts, a.at)
		}
	}
}

func abs(d time.Duration) time.Duration { return max(d, -d) }

func TestConstantOffset(t *testing.T) {
	for _, off := range []time.Duration{-120 * time.Millisecond, -60 * time.Millisecond, 0, 25 * time.Millisecond, 45 * time.Millisecond, 100 * time.Millisecond} {
		for _, jit := range []time.Duration{0, 4 * time.Millisecond} {
			m := New()
			run(m, stream(20*time.Second, 150*time.Millisecond, jit, func(time.Duration) time.Duration { return off }, 1))
			s, ok := m.Current()
			if !ok || abs(s.Offset-off) > time.Millisecond {
				t.Errorf("offset %v jitter %v: got %+v", off, jit, s)
			}
			for _, x := range m.Series().Samples() {
				if x.At >= 6*time.Second && abs(x.Offset-off) > time.Millisecond {
					t.Errorf("offset %v jitter %v: sample %+v", off, jit, x)
				}
			}
			t.Logf("injected %v jitter %v: reported %v (%d instants)", off, jit, s.Offset, s.N)
		}
	}
}

func TestStepChange(t *testing.T) {
	step := 10 * time.Second
	m := New()
	run(m, stream(25*time.Second, 80*time.Millisecond, 0, func(p time.Duration) time.Duration {
		if p >= step {
			return 80 * time.Millisecond
		}
		return 0
	}, 2))
	for _, s := range m.Series().Samples() {
		switch {
		case s.At < step && abs(s.Offset) > time.Millisecond:
			t.Errorf("before step: %+v", s)
		case s.At > step+DefaultWindow+200*time.Millisecond && abs(s.Offset-80*time.Millisecond) > time.Millisecond:
			t.Errorf("after window: %+v", s)
		case s.At > step+200*time.Millisecond && s.At < step+DefaultWindow-200*time.Millisecond &&
			(s.Offset < time.Millisecond || s.Offset > 79*time.Millisecond):
			t.Errorf("inside window should be between: %+v", s)
		}
		if s.At > step+DefaultWindow+200*time.Millisecond && (s.InR37 || s.InBT1359) { // 80 ms early is outside both
			t.Errorf("80 ms early: flags %+v", s)
		}
	}
}

func TestBands(t *testing.T) {
	for _, c := range []struct {
		o          time.Duration
		r37, bt135 bool
	}{
		{0, true, true}, {40 * time.Millisecond, true, true}, {41 * time.Millisecond, false, true},
		{45 * time.Millisecond, false, true}, {46 * time.Millisecond, false, false},
		{-60 * time.Millisecond, true, true}, {-61 * time.Millisecond, false, true},
		{-125 * time.Millisecond, false, true}, {-126 * time.Millisecond, false, false},
	} {
		if InR37(c.o) != c.r37 || InBT1359(c.o) != c.bt135 {
			t.Errorf("%v: r37 %v bt1359 %v", c.o, InR37(c.o), InBT1359(c.o))
		}
		m := New(WithWindow(time.Second), WithInterval(100*time.Millisecond))
		run(m, stream(3*time.Second, 50*time.Millisecond, 0, func(time.Duration) time.Duration { return c.o }, 3))
		s, _ := m.Current()
		l, _ := m.Series().Last()
		if s.InR37 != c.r37 || s.InBT1359 != c.bt135 || l.InR37 != c.r37 || l.InBT1359 != c.bt135 {
			t.Errorf("%v: current %+v last %+v", c.o, s, l)
		}
	}
}

func TestMissingAndStalledStream(t *testing.T) {
	m := New()
	for n := 0; n < 100; n++ {
		p := time.Duration(n) * time.Second / 30
		m.ObserveVideo(p, p)
	}
	if s, ok := m.Current(); ok {
		t.Fatalf("video only gave %+v", s)
	}
	m.ObserveAudio(0, 3*time.Second)
	if _, ok := m.Current(); !ok {
		t.Fatal("both streams recent: want a reading")
	}
	m.ObserveVideo(20*time.Second, 20*time.Second) // audio stalled 17 s
	if s, ok := m.Current(); ok {
		t.Fatalf("stalled audio gave %+v", s)
	}
}

func TestSeriesBoundAndExport(t *testing.T) {
	m := New(WithSeriesLimit(5), WithInterval(500*time.Millisecond))
	run(m, stream(10*time.Second, 0, 0, func(time.Duration) time.Duration { return 30 * time.Millisecond }, 4))
	ss := m.Series().Samples()
	if len(ss) != 5 {
		t.Fatalf("%d samples", len(ss))
	}
	var buf bytes.Buffer
	if err := m.Series().WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if lines[0] != "at_s,offset_ms,n,in_r37,in_bt1359" || len(lines) != 6 || !strings.Contains(lines[5], ",30,") {
		t.Fatalf("csv:\n%s", buf.String())
	}
	buf.Reset()
	if err := m.Series().WriteJSON(&buf, "encoder-in"); err != nil {
		t.Fatal(err)
	}
	var j struct {
		Point   string   `json:"point"`
		Samples []Sample `json:"samples"`
	}
	if err := json.Unmarshal(buf.Bytes(), &j); err != nil || j.Point != "encoder-in" || len(j.Samples) != 5 || j.Samples[4] != ss[4] {
		t.Fatalf("%v %s", err, buf.String())
	}
}

func TestConcurrent(t *testing.T) {
	m := New()
	arr := stream(10*time.Second, 100*time.Millisecond, 0, func(time.Duration) time.Duration { return -20 * time.Millisecond }, 5)
	var wg sync.WaitGroup
	for _, audio := range []bool{false, true} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, a := range arr {
				if a.audio == audio {
					if audio {
						m.ObserveAudio(a.pts, a.at)
					} else {
						m.ObserveVideo(a.pts, a.at)
					}
					m.Current()
				}
			}
		}()
	}
	wg.Wait()
	if _, ok := m.Current(); !ok {
		t.Fatal("no reading")
	}
}
