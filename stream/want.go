package stream

import "github.com/onair-dev/onair/encode"

// Want is what an output needs from its encoders when it cannot take the
// session's defaults (WebRTC needs Opus and browser-safe H.264).
type Want struct {
	VideoCodec  string // FFmpeg codec name: h264, vp8; empty = any
	H264Profile string // e.g. baseline
	AudioCodec  string // opus, aac; empty = any
	// RateControl overrides cbr/vbr: WebRTC wants capped VBR, since CBR's
	// filler NAL units are dropped by the RTP packetizer anyway.
	RateControl encode.RateControl
	// OwnEncoder asks for an encoder no other output shares, because the
	// output steers its bitrate (congestion control) and asks for keyframes.
	OwnEncoder bool
}

// Wanter is implemented by sinks with encoder requirements.
type Wanter interface {
	Want() Want
}

// FeedbackTaker is implemented by sinks that talk back to their encoder:
// keyframe requests (PLI/FIR) and target bitrates (congestion control).
type FeedbackTaker interface {
	SetFeedback(kf encode.KeyframeRequester, br encode.BitrateSetter)
}

// Notifier is implemented by sinks that change state on their own
// (reconnecting, reconnected); the session relays it as events.
type Notifier interface {
	SetNotify(func(state string, err error))
}
