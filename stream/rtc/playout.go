package rtc

import (
	"strings"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// PlayoutDelayURI is the RTP header extension by which a sender tells the
// receiver how much it may buffer before rendering. onair sends min = max = 0
// on video: a live preview wants the picture now, not smoothed; on a good
// network this takes Chromium's jitter buffer (tens of ms) out of the
// glass-to-glass latency.
const PlayoutDelayURI = "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay"

func registerPlayoutDelay(m *webrtc.MediaEngine) error {
	return m.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: PlayoutDelayURI}, webrtc.RTPCodecTypeVideo)
}

type playoutDelay struct{ interceptor.NoOp }

type playoutDelayFactory struct{}

func (playoutDelayFactory) NewInterceptor(string) (interceptor.Interceptor, error) {
	return &playoutDelay{}, nil
}

func (*playoutDelay) BindLocalStream(info *interceptor.StreamInfo, w interceptor.RTPWriter) interceptor.RTPWriter {
	var id uint8
	for _, e := range info.RTPHeaderExtensions {
		if e.URI == PlayoutDelayURI {
			id = uint8(e.ID)
		}
	}
	if id == 0 || !strings.HasPrefix(strings.ToLower(info.MimeType), "video/") {
		return w // not negotiated, or not video: leave packets alone
	}
	zero := []byte{0, 0, 0} // 12-bit min and max delay, 10 ms units
	return interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
		// The header may be shared with other viewers of one track: change a copy.
		hc := h.Clone()
		if err := hc.SetExtension(id, zero); err != nil {
			return w.Write(h, payload, a)
		}
		return w.Write(&hc, payload, a)
	})
}
