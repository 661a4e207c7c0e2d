package pipeline

import "sync/atomic"

// Stats is a snapshot of a session's counters.
type Stats struct {
	// Captured counts frames the source delivered.
	Captured uint64
	// Encoded counts frames every video encoder accepted (the least of the
	// encoder groups; each group's own count is in Encoders).
	Encoded uint64
	// Dropped counts frames dropped because the encoder lagged (live sources only).
	Dropped uint64
	// AudioFrames counts audio chunks the source delivered.
	AudioFrames uint64
	Outputs     []OutputStats
	Encoders    []EncoderStats
}

// EncoderStats is one encoder pair's counters.
type EncoderStats struct {
	Video, Audio string // encoder names
	Encoded      uint64
	Dropped      uint64
	Bitrate      int64 // video target in force (congestion control may lower it)
}

// OutputStats is one sink's counters.
type OutputStats struct {
	Name  string
	State OutputState
	// SentVideo and SentAudio count packets written to the output.
	SentVideo, SentAudio uint64
	Bytes                uint64
	// Dropped counts packets dropped because the output could not keep up.
	Dropped uint64
	// Err is the failure that stopped the output, if any.
	Err error
}

// OutputState is where one output is in its life.
type OutputState int32

const (
	OutputConnecting OutputState = iota
	OutputLive
	OutputFailed
	OutputClosed
)

func (s OutputState) String() string {
	switch s {
	case OutputConnecting:
		return "connecting"
	case OutputLive:
		return "live"
	case OutputFailed:
		return "failed"
	case OutputClosed:
		return "closed"
	}
	return "unknown"
}

type counters struct {
	captured, dropped, audio atomic.Uint64
}
