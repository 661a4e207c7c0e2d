package network

import (
	"errors"
	"fmt"
	"time"

	"github.com/onair-dev/onair/media"
)

// DefaultTimeout bounds opening an input and each read from it.
const DefaultTimeout = 10 * time.Second

// Reconnect back-off: the first retry waits MinBackoff, each further one
// twice as long, up to MaxBackoff.
const (
	MinBackoff = time.Second
	MaxBackoff = 30 * time.Second
)

// EventKind names what an Event reports.
type EventKind int

const (
	// EventDisconnected: a live input failed or ended; Err says why.
	EventDisconnected EventKind = iota + 1
	// EventReconnecting: waiting Delay before attempt number Attempt.
	EventReconnecting
	// EventReconnected: the input is open again.
	EventReconnected
	// EventDiscontinuity: input timestamps jumped and were rebased.
	EventDiscontinuity
)

func (k EventKind) String() string {
	switch k {
	case EventDisconnected:
		return "disconnected"
	case EventReconnecting:
		return "reconnecting"
	case EventReconnected:
		return "reconnected"
	case EventDiscontinuity:
		return "discontinuity"
	}
	return fmt.Sprintf("event(%d)", int(k))
}

// Event is reported through WithOnEvent, from the goroutine running Run.
type Event struct {
	Kind    EventKind
	Attempt int
	Delay   time.Duration
	Err     error // redacted
}

// Option configures a Source.
type Option func(*config) error

type config struct {
	pixel     media.PixelFormat
	timeout   time.Duration
	loop      bool
	reconnect bool
	onEvent   func(Event)
	onFrame   func(*media.VideoFrame)
	clock     media.Clock
	realTime  *bool
}

func defaults() config {
	return config{pixel: media.PixelI420, timeout: DefaultTimeout}
}

// WithPixelFormat picks the delivered video format: media.PixelI420
// (default) or media.PixelRGB24.
func WithPixelFormat(p media.PixelFormat) Option {
	return func(c *config) error {
		if p != media.PixelI420 && p != media.PixelRGB24 {
			return fmt.Errorf("network: pixel format %v not supported (i420 or rgb24)", p)
		}
		c.pixel = p
		return nil
	}
}

// WithTimeout bounds opening and each read (default DefaultTimeout).
func WithTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("network: timeout %v must be positive", d)
		}
		c.timeout = d
		return nil
	}
}

// WithLoop replays a file from the start when it ends. Only for files.
func WithLoop(loop bool) Option {
	return func(c *config) error { c.loop = loop; return nil }
}

// WithReconnect makes a live input reopen after it fails or ends, waiting
// MinBackoff doubling to MaxBackoff between attempts. Only for live inputs.
func WithReconnect(on bool) Option {
	return func(c *config) error { c.reconnect = on; return nil }
}

// WithOnEvent reports reconnects and discontinuities.
func WithOnEvent(fn func(Event)) Option {
	return func(c *config) error {
		if fn == nil {
			return errors.New("network: nil event callback")
		}
		c.onEvent = fn
		return nil
	}
}

// WithFrameCallback hands every video frame to fn before it is sent on the
// video channel (fn must not keep or change it; Run may pass a nil video
// channel when only the callback is wanted).
func WithFrameCallback(fn func(*media.VideoFrame)) Option {
	return func(c *config) error {
		if fn == nil {
			return errors.New("network: nil frame callback")
		}
		c.onFrame = fn
		return nil
	}
}

// WithClock sets the session clock PTS are rebased onto (default: a
// media.WallClock started by New).
func WithClock(clk media.Clock) Option {
	return func(c *config) error {
		if clk == nil {
			return errors.New("network: nil clock")
		}
		c.clock = clk
		return nil
	}
}

// WithRealTime paces a file by its timestamps (default false: as fast as
// the reader takes frames). Live inputs are paced by their sender.
func WithRealTime(on bool) Option {
	return func(c *config) error { c.realTime = &on; return nil }
}
