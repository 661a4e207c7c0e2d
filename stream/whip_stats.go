package stream

import (
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/onair-dev/onair/telemetry/netstats"
)

// statsInterval is how often a WebRTC output's network figures are read.
const statsInterval = time.Second

// NetStatser is implemented by outputs with network telemetry.
type NetStatser interface {
	NetStats() *netstats.Series
}

// DropCounterTaker is implemented by outputs that report the frames the
// session dropped for them (encoder lag, full queue) in their telemetry.
type DropCounterTaker interface {
	SetDropCounter(func() uint64)
}

// NetStats is this output's network time series (video stream).
func (w *WHIP) NetStats() *netstats.Series { return w.series }

func (w *WHIP) SetDropCounter(f func() uint64) { w.drops = f }

// sample reads the interceptors' counters for the video stream once.
func (w *WHIP) sample(s *whipSession, start time.Time) {
	smp := netstats.Sample{
		At: time.Since(start), PLI: w.stats.PLI.Load(), FIR: w.stats.FIR.Load(),
		TargetBitrate: w.stats.TargetBitrate.Load(),
	}
	if w.drops != nil {
		smp.FramesDropped = w.drops()
	}
	smp.Retransmits = s.api.Retransmissions()
	g := s.stats.Load()
	if g != nil && s.videoSSRC != 0 {
		if st := (*g).Get(uint32(s.videoSSRC)); st != nil {
			smp.PacketsSent = st.OutboundRTPStreamStats.PacketsSent
			smp.BytesSent = st.OutboundRTPStreamStats.BytesSent
			smp.NACKs = uint64(st.OutboundRTPStreamStats.NACKCount)
			smp.PacketsLost = st.RemoteInboundRTPStreamStats.PacketsLost
			smp.RTT = st.RemoteInboundRTPStreamStats.RoundTripTime
			// pion's stats already divide the receiver-report jitter by the
			// clock rate: it is in seconds.
			smp.Jitter = time.Duration(st.RemoteInboundRTPStreamStats.Jitter * float64(time.Second))
		}
	}
	w.series.Add(smp)
}

// sampleLoop feeds the series until the session ends.
func (w *WHIP) sampleLoop(s *whipSession) {
	defer w.wg.Done()
	t := time.NewTicker(statsInterval)
	defer t.Stop()
	for {
		select {
		case <-w.ctx.Done():
			return
		case <-s.failed:
			return
		case <-t.C:
			w.sample(s, w.started)
		}
	}
}

func videoSSRC(pc *webrtc.PeerConnection) webrtc.SSRC {
	for _, tr := range pc.GetTransceivers() {
		if tr.Kind() == webrtc.RTPCodecTypeVideo && tr.Sender() != nil {
			if enc := tr.Sender().GetParameters().Encodings; len(enc) > 0 {
				return enc[0].SSRC
			}
		}
	}
	return 0
}
