package filtercost

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestPercentileNearestRank(t *testing.T) {
	s := make([]time.Duration, 100)
	for i := range s {
		s[i] = time.Duration(i+1) * time.Millisecond
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{50, 50 * time.Millisecond}, {95, 95 * time.Millisecond}, {100, 100 * time.Millisecond}, {0.1, time.Millisecond}} {
		if got := Percentile(s, c.p); got != c.want {
			t.Errorf("P%v = %v, want %v", c.p, got, c.want)
		}
	}
	if Percentile(nil, 50) != 0 {
		t.Error("empty percentile not 0")
	}
	if got := Percentile([]time.Duration{7}, 95); got != 7 {
		t.Errorf("single P95 = %v", got)
	}
}

func TestWindowSlides(t *testing.T) {
	r := New(10)
	for i := 1; i <= 25; i++ { // window keeps 16..25
		r.Observe("blur", time.Duration(i)*time.Microsecond)
	}
	s, ok := r.Get("blur")
	if !ok {
		t.Fatal("no snapshot")
	}
	if s.Samples != 10 || s.Total != 25 {
		t.Fatalf("samples %d total %d, want 10 25", s.Samples, s.Total)
	}
	if s.P50 != 20*time.Microsecond || s.P95 != 25*time.Microsecond || s.Max != 25*time.Microsecond {
		t.Fatalf("p50 %v p95 %v max %v", s.P50, s.P95, s.Max)
	}
	if s.Last != 25*time.Microsecond {
		t.Fatalf("last %v", s.Last)
	}
	if s.Mean != 20500*time.Nanosecond {
		t.Fatalf("mean %v", s.Mean)
	}
}

func TestSnapshotSortedAndForget(t *testing.T) {
	r := New(0)
	if r.Window() != DefaultWindow {
		t.Fatalf("window %d", r.Window())
	}
	r.Observe("zoom", time.Millisecond)
	r.Observe("blur", -time.Millisecond) // clamps to 0
	r.Observe("gray", 2*time.Millisecond)
	snaps := r.Snapshot()
	if len(snaps) != 3 || snaps[0].Name != "blur" || snaps[1].Name != "gray" || snaps[2].Name != "zoom" {
		t.Fatalf("snapshots %+v", snaps)
	}
	if snaps[0].Max != 0 {
		t.Fatalf("negative not clamped: %v", snaps[0].Max)
	}
	r.Forget("gray")
	if _, ok := r.Get("gray"); ok {
		t.Fatal("forgotten name still there")
	}
	if len(r.Snapshot()) != 2 {
		t.Fatal("forget did not drop")
	}
}

func TestConcurrentObserveAndRead(t *testing.T) {
	r := New(50)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 2000; i++ {
				r.Observe(fmt.Sprintf("f%d", i%3), time.Duration(i))
				r.FrameIn()
				r.FrameOut()
			}
		}(w)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 200; i++ {
			_ = r.Snapshot()
			_, _ = r.Counts()
		}
	}()
	wg.Wait()
	in, out := r.Counts()
	if in != 8000 || out != 8000 {
		t.Fatalf("counts %d %d", in, out)
	}
	var total uint64
	for _, s := range r.Snapshot() {
		total += s.Total
		if s.Samples != 50 {
			t.Fatalf("%s samples %d", s.Name, s.Samples)
		}
	}
	if total != 8000 {
		t.Fatalf("total %d", total)
	}
}
