package telemetry

import "testing"

func TestRingKeepsTheNewestAndDerivesUnderTheLock(t *testing.T) {
	r := NewRing[int](3)
	sum := func(h []int, v int) int {
		if len(h) > 0 {
			return v + h[len(h)-1]
		}
		return v
	}
	for i := 1; i <= 5; i++ {
		r.Append(i, sum)
	}
	got := r.All()
	if len(got) != 3 || got[0] != 6 || got[2] != 15 {
		t.Fatalf("got %v, want running sums [6 10 15]", got)
	}
	if last, ok := r.Last(); !ok || last != 15 {
		t.Fatalf("last %d %v", last, ok)
	}
	if _, ok := NewRing[int](0).Last(); ok {
		t.Fatal("empty ring has a last item")
	}
}
