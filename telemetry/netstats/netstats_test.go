package netstats

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"testing"
	"time"
)

func TestLossRateOverFiveSecondsAndAlarm(t *testing.T) {
	s := NewSeries(0)
	// 100 packets a second; 2 lost a second for 10 s, then 20 a second.
	var sent uint64
	var lost int64
	for i := 0; i <= 20; i++ {
		got := s.Add(Sample{At: time.Duration(i) * time.Second, PacketsSent: sent, PacketsLost: lost, BytesSent: sent * 1000})
		switch {
		case i >= 6 && i <= 10:
			if got.LossRate < 0.019 || got.LossRate > 0.021 || got.Alarm {
				t.Fatalf("t=%ds: loss %v alarm %v, want 2%% no alarm", i, got.LossRate, got.Alarm)
			}
		case i >= 16:
			if got.LossRate < 0.199 || !got.Alarm {
				t.Fatalf("t=%ds: loss %v alarm %v, want 20%% alarm", i, got.LossRate, got.Alarm)
			}
		}
		if i > 0 && got.ActualBitrate != 800_000 {
			t.Fatalf("t=%ds: bitrate %d, want 800000", i, got.ActualBitrate)
		}
		sent += 100
		if i < 10 {
			lost += 2
		} else {
			lost += 20
		}
	}
}

func TestRetransmissionLoweringLossNeverGoesNegative(t *testing.T) {
	s := NewSeries(0)
	s.Add(Sample{At: 0, PacketsSent: 100, PacketsLost: 5})
	got := s.Add(Sample{At: time.Second, PacketsSent: 200, PacketsLost: 1})
	if got.LossRate != 0 {
		t.Fatalf("loss %v", got.LossRate)
	}
}

func TestBoundedAndExports(t *testing.T) {
	s := NewSeries(3)
	for i := 0; i < 5; i++ {
		s.Add(Sample{At: time.Duration(i) * time.Second, PacketsSent: uint64(i * 10), RTT: 12 * time.Millisecond})
	}
	if n := len(s.Samples()); n != 3 {
		t.Fatalf("kept %d samples", n)
	}
	if last, ok := s.Last(); !ok || last.At != 4*time.Second {
		t.Fatalf("last %+v", last)
	}
	var b bytes.Buffer
	if err := s.WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil || len(rows) != 4 || rows[0][0] != "at_s" || rows[1][0] != "2" || rows[1][7] != "12" {
		t.Fatalf("csv %v %v", rows, err)
	}
	b.Reset()
	if err := s.WriteJSON(&b, "whip x"); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Output  string
		Samples []Sample
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil || doc.Output != "whip x" || len(doc.Samples) != 3 || doc.Samples[2].PacketsSent != 40 {
		t.Fatalf("json %+v %v", doc, err)
	}
}
