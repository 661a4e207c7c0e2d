// Package capture holds onair's sources: the test pattern, devices and
// network/file inputs. Each delivers raw frames stamped on the session clock.
package capture

import (
	"context"

	"github.com/onair-dev/onair/media"
)

// VideoInfo describes the frames a source delivers.
type VideoInfo struct {
	Format    media.PixelFormat
	Width     int
	Height    int
	FrameRate media.Rational // frames per second, e.g. {30, 1}
}

// AudioInfo describes the samples a source delivers.
type AudioInfo struct {
	Format     media.SampleFormat
	SampleRate int
	Channels   int
}

// Info is what a source produces; a nil Video or Audio means it has none.
type Info struct {
	Name  string
	Video *VideoInfo
	Audio *AudioInfo
	// Live sources run on their own clock and cannot be slowed down;
	// non-live ones (files, a non-real-time test pattern) wait for the reader.
	Live bool
}

// Source delivers frames. Run blocks until ctx is cancelled (returns nil),
// the source ends (returns nil after delivering everything), or it fails.
// Frames handed out belong to the receiver. Run is called at most once.
type Source interface {
	Info() Info
	Run(ctx context.Context, video chan<- *media.VideoFrame, audio chan<- *media.AudioFrame) error
	Close() error
}
