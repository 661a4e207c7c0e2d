package media

import "time"

// Kind says whether a stream or packet carries video or audio.
type Kind int

const (
	KindVideo Kind = iota + 1
	KindAudio
)

func (k Kind) String() string {
	switch k {
	case KindVideo:
		return "video"
	case KindAudio:
		return "audio"
	}
	return "unknown"
}

// Rational is a time base such as 1/90000.
type Rational struct{ Num, Den int }

// Duration converts ticks of this time base to time.
func (r Rational) Duration(ticks int64) time.Duration {
	if r.Den == 0 {
		return 0
	}
	return time.Duration(ticks * int64(r.Num) * int64(time.Second) / int64(r.Den))
}

// Ticks converts time to ticks of this time base, rounding to nearest.
func (r Rational) Ticks(d time.Duration) int64 {
	if r.Num == 0 {
		return 0
	}
	den := int64(r.Num) * int64(time.Second)
	n := int64(d) * int64(r.Den)
	if n >= 0 {
		return (n + den/2) / den
	}
	return (n - den/2) / den
}

// Packet is one encoded access unit. Data is owned by the packet: an encoder
// hands out copies, never memory a native object will reuse.
type Packet struct {
	Kind     Kind
	Data     []byte
	Keyframe bool
	// PTS, DTS and Duration are in ticks of TimeBase.
	PTS, DTS int64
	Duration int64
	TimeBase Rational
}

// StreamInfo describes the encoded stream a packet belongs to: what a muxer
// needs to write its header. It is plain data so sinks need not know the
// encoder's native types.
type StreamInfo struct {
	Kind Kind
	// Codec is FFmpeg's codec name, e.g. "h264", "hevc", "av1", "vp9", "aac", "opus".
	Codec    string
	TimeBase Rational
	BitRate  int64
	// ExtraData holds global headers (SPS/PPS, AudioSpecificConfig, ...).
	ExtraData []byte

	// Video.
	Width, Height int
	FrameRate     Rational

	// Audio.
	SampleRate int
	Channels   int
	// FrameSize is samples per channel in one encoded audio packet.
	FrameSize int
}
