package rtc

import (
	"github.com/pion/webrtc/v4"
)

// Payload types match Chromium's usual numbering to keep SDPs readable.
const (
	ptH264 = 102
	ptVP8  = 96
	ptOpus = 111
)

// H264Fmtp is constrained baseline level 3.1, packetization-mode 1: the
// profile every browser decodes.
const H264Fmtp = "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"

var videoFeedback = []webrtc.RTCPFeedback{
	{Type: "goog-remb"}, {Type: "ccm", Parameter: "fir"}, {Type: "nack"},
	{Type: "nack", Parameter: "pli"}, {Type: "transport-cc"},
}

// Capability returns the RTP codec capability for an FFmpeg codec name.
func Capability(codec string) (webrtc.RTPCodecCapability, bool) {
	switch codec {
	case "h264":
		return webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000, SDPFmtpLine: H264Fmtp, RTCPFeedback: videoFeedback}, true
	case "vp8":
		return webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000, RTCPFeedback: videoFeedback}, true
	case "opus":
		return webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1;stereo=1", RTCPFeedback: []webrtc.RTCPFeedback{{Type: "transport-cc"}}}, true
	}
	return webrtc.RTPCodecCapability{}, false
}

// registerCodecs puts onair's three codecs into m.
func registerCodecs(m *webrtc.MediaEngine) error {
	for _, c := range []struct {
		codec string
		pt    webrtc.PayloadType
		kind  webrtc.RTPCodecType
	}{{"h264", ptH264, webrtc.RTPCodecTypeVideo}, {"vp8", ptVP8, webrtc.RTPCodecTypeVideo}, {"opus", ptOpus, webrtc.RTPCodecTypeAudio}} {
		capab, _ := Capability(c.codec)
		if err := m.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: capab, PayloadType: c.pt}, c.kind); err != nil {
			return err
		}
	}
	return nil
}
