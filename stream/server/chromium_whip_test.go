package server_test

import (
	"math"
	"strings"
	"testing"
	"time"
)

// TestChromiumAnswersOnairWHIP: Chromium is the answering peer of onair's
// WHIP client (the endpoint hands each offer to a page). The page decodes
// H.264 video and receives Opus audio.
func TestChromiumAnswersOnairWHIP(t *testing.T) {
	ep := startChromiumWHIP(t)
	w := whipSink(t, ep.URL(), 0)
	sess := publishPattern(t, w)
	waitLive(t, sess, 15*time.Second)
	first := ep.waitDecoding(10 * time.Second)
	live := time.Now()
	time.Sleep(6 * time.Second)
	st := ep.stats()
	sent := sess.Stats()
	t.Logf("after %.1f s live: page %s; video %+v; audio %+v; first decode had %d frames; session %+v",
		time.Since(live).Seconds(), st.State, *st.Video, deref(st.Audio), first.Video.FramesDecoded, sent)

	if st.State != "connected" {
		t.Errorf("page peer connection %q, want connected", st.State)
	}
	if st.Video.FramesDecoded <= 120 {
		t.Errorf("page decoded %d video frames in ~6 s, want > 120", st.Video.FramesDecoded)
	}
	if st.Video.Codec != "video/H264" {
		t.Errorf("video receiver codec %q, want video/H264", st.Video.Codec)
	}
	if st.Video.FrameWidth != 1280 || st.Video.FrameHeight != 720 {
		t.Errorf("frame size %dx%d, want 1280x720", st.Video.FrameWidth, st.Video.FrameHeight)
	}
	if st.Audio == nil || st.Audio.PacketsReceived == 0 {
		t.Errorf("no audio packet received: %+v", st.Audio)
	} else if st.Audio.Codec != "audio/opus" {
		t.Errorf("audio receiver codec %q, want audio/opus", st.Audio.Codec)
	}
	ep.mu.Lock()
	answers := append([]string(nil), ep.sdps...)
	ep.mu.Unlock()
	if len(answers) != 1 || !strings.Contains(answers[0], "H264") {
		t.Errorf("want one answer naming H264, got %d: %q", len(answers), answers)
	}
}

// TestChromiumWHIPUnderLoss: onair's WHIP sink drops 5 % of its outgoing
// RTP; NACK retransmission keeps Chromium decoding (nearly) every frame,
// and onair's own loss figure agrees with what the receiver counts.
func TestChromiumWHIPUnderLoss(t *testing.T) {
	const dropRate = 0.05
	ep := startChromiumWHIP(t)
	w := whipSink(t, ep.URL(), dropRate)
	sess := publishPattern(t, w)
	waitLive(t, sess, 15*time.Second)
	ep.waitDecoding(10 * time.Second)
	time.Sleep(time.Second) // past the start-up burst

	// The receiver decodes a frame a little after onair sends it: read the
	// page lag later at both ends of the window so the lag cancels out.
	const lag = 500 * time.Millisecond
	sentVideo := func() uint64 { return sess.Stats().Outputs[0].SentVideo }
	sent0 := sentVideo()
	time.Sleep(lag)
	r0 := ep.stats()
	time.Sleep(7*time.Second - lag)
	sent1 := sentVideo()
	time.Sleep(lag)
	r1 := ep.stats()

	frames := float64(sent1 - sent0)
	decoded := float64(r1.Video.FramesDecoded - r0.Video.FramesDecoded)
	ratio := decoded / frames

	ns := sess.NetStats()[w.Name()]
	if ns == nil {
		t.Fatalf("no netstats series for %s", w.Name())
	}
	smp, ok := ns.Last()
	if !ok {
		t.Fatal("no netstats sample")
	}
	wireSent, wireDropped := w.Impairment()
	rv := r1.Video
	recvLoss := 100 * float64(rv.PacketsLost) / float64(rv.PacketsLost+rv.PacketsReceived)
	sendLoss := math.NaN()
	if smp.PacketsSent > 0 {
		sendLoss = 100 * float64(smp.PacketsLost) / float64(smp.PacketsSent)
	}
	t.Logf("window: sent %d frames, page decoded %.0f (%.2f %%), page framesDropped %d, freezes %d, keyframes %d",
		sent1-sent0, decoded, 100*ratio, rv.FramesDropped-r0.Video.FramesDropped, rv.FreezeCount, rv.KeyFramesDecoded)
	t.Logf("impairment: %d RTP packets seen, %d dropped (%.2f %%)", wireSent, wireDropped, 100*float64(wireDropped)/float64(max(wireSent, 1)))
	t.Logf("onair netstats (last of %d): sent %d lost %d (%.3f %%) nacks %d retransmits %d pli %d rtt %v jitter %v target %d",
		len(ns.Samples()), smp.PacketsSent, smp.PacketsLost, sendLoss, smp.NACKs, smp.Retransmits, smp.PLI, smp.RTT, smp.Jitter, smp.TargetBitrate)
	t.Logf("page video: received %d lost %d (%.3f %%) nacks %d plis %d; session %+v",
		rv.PacketsReceived, rv.PacketsLost, recvLoss, rv.NACKCount, rv.PLICount, sess.Stats())

	if ratio < 0.98 {
		t.Errorf("page decoded %.0f of %.0f frames sent (%.2f %%), want >= 98 %%", decoded, frames, 100*ratio)
	}
	if wireDropped == 0 {
		t.Errorf("the impairment dropped nothing (%d seen)", wireSent)
	}
	if smp.NACKs == 0 {
		t.Errorf("onair saw no NACK under %.0f %% loss: %+v", 100*dropRate, smp)
	}
	if smp.Retransmits == 0 {
		t.Errorf("onair retransmitted nothing under %.0f %% loss: %+v", 100*dropRate, smp)
	}
	if rv.NACKCount == 0 {
		t.Errorf("the page sent no NACK under %.0f %% loss", 100*dropRate)
	}
	// RTT comes from the receiver reports' LSR/DLSR against the sender
	// reports onair sent; on loopback it is a few milliseconds at most.
	if smp.RTT <= 0 || smp.RTT > 500*time.Millisecond {
		t.Errorf("onair's RTT %v, want (0, 500 ms] on loopback", smp.RTT)
	}
	if smp.Jitter < 10*time.Microsecond || smp.Jitter > time.Second {
		t.Errorf("onair's jitter %v from the receiver reports, want 10 µs..1 s", smp.Jitter)
	}
	if math.IsNaN(sendLoss) || math.Abs(sendLoss-recvLoss) > 1 {
		t.Errorf("onair's loss %.3f %% (lost %d / sent %d) vs the receiver's %.3f %% (lost %d / lost+received %d): want within 1 point",
			sendLoss, smp.PacketsLost, smp.PacketsSent, recvLoss, rv.PacketsLost, rv.PacketsLost+rv.PacketsReceived)
	}
}

func deref(s *inboundStream) inboundStream {
	if s == nil {
		return inboundStream{}
	}
	return *s
}
