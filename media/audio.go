package media

import (
	"fmt"
	"time"
)

// SampleFormat names how one audio sample is stored.
type SampleFormat int

const (
	// SampleS16 is signed 16-bit little-endian, interleaved.
	SampleS16 SampleFormat = iota + 1
	// SampleF32 is 32-bit float in [-1, 1], interleaved.
	SampleF32
)

func (s SampleFormat) String() string {
	switch s {
	case SampleS16:
		return "s16"
	case SampleF32:
		return "f32"
	}
	return fmt.Sprintf("sample(%d)", int(s))
}

// Bytes is the size of one sample of one channel.
func (s SampleFormat) Bytes() int {
	switch s {
	case SampleS16:
		return 2
	case SampleF32:
		return 4
	}
	return 0
}

// AudioFrame is a run of interleaved samples. Its PTS is derived from the
// count of samples before it (rate-exact), never from when it was captured.
type AudioFrame struct {
	Format     SampleFormat
	SampleRate int
	Channels   int
	// Samples is the number of samples per channel in Data.
	Samples int
	Data    []byte
	// Start is the index of the first sample since the source began.
	Start int64
	PTS   time.Duration
}

// NewAudioFrame allocates a zeroed (silent) frame starting at sample index start.
func NewAudioFrame(format SampleFormat, rate, channels, samples int, start int64) *AudioFrame {
	return &AudioFrame{
		Format: format, SampleRate: rate, Channels: channels, Samples: samples,
		Data:  make([]byte, samples*channels*format.Bytes()),
		Start: start, PTS: SamplesToDuration(start, rate),
	}
}

// Duration is how long the frame plays.
func (a *AudioFrame) Duration() time.Duration {
	return SamplesToDuration(int64(a.Samples), a.SampleRate)
}

// Validate reports a frame whose buffer does not match its declared shape.
func (a *AudioFrame) Validate() error {
	if a.SampleRate <= 0 || a.Channels <= 0 || a.Format.Bytes() == 0 {
		return fmt.Errorf("media: audio %d Hz %d ch %v: %w", a.SampleRate, a.Channels, a.Format, ErrBadFrame)
	}
	if need := a.Samples * a.Channels * a.Format.Bytes(); len(a.Data) < need {
		return fmt.Errorf("media: audio has %d bytes, needs %d: %w", len(a.Data), need, ErrBadFrame)
	}
	return nil
}

// SamplesToDuration converts a sample count at rate to time without drift.
func SamplesToDuration(n int64, rate int) time.Duration {
	if rate <= 0 {
		return 0
	}
	sec := n / int64(rate)
	rem := n % int64(rate)
	return time.Duration(sec)*time.Second + time.Duration(rem)*time.Second/time.Duration(rate)
}
