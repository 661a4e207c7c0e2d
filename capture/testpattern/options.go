package testpattern

import (
	"fmt"
	"time"

	"github.com/onair-dev/onair/media"
)

// Limits on the options; exported so callers can validate user input early.
const (
	MinWidth, MaxWidth   = 160, 3840
	MinHeight, MaxHeight = 120, 2160
	MinFrameRate         = 1
	MaxFrameRate         = 120
	MaxAVOffset          = time.Second
)

type config struct {
	width, height int
	fps           int
	offset        time.Duration
	realTime      bool
	clock         media.Clock
	wallTime      func() time.Time
	limit         int
}

// Option configures a Source. Each option validates its own value.
type Option func(*config) error

func defaultConfig() config {
	return config{
		width: 1280, height: 720, fps: 30, realTime: true,
		clock: media.NewWallClock(), wallTime: time.Now,
	}
}

// validate re-checks everything, so a zero or hand-built config is caught too.
func (c *config) validate() error {
	for _, err := range []error{
		checkSize(c.width, c.height), checkFrameRate(c.fps),
		checkOffset(c.offset), checkLimit(c.limit),
	} {
		if err != nil {
			return err
		}
	}
	if c.clock == nil {
		return fmt.Errorf("testpattern: clock is nil, want a media.Clock: %w", ErrBadOption)
	}
	if c.wallTime == nil {
		return fmt.Errorf("testpattern: wall time func is nil, want a func() time.Time: %w", ErrBadOption)
	}
	return nil
}

func checkSize(w, h int) error {
	if w < MinWidth || w > MaxWidth || h < MinHeight || h > MaxHeight || w%2 != 0 || h%2 != 0 {
		return fmt.Errorf("testpattern: size %dx%d out of range: want even width %d..%d and even height %d..%d: %w",
			w, h, MinWidth, MaxWidth, MinHeight, MaxHeight, ErrBadOption)
	}
	return nil
}

func checkFrameRate(fps int) error {
	if fps < MinFrameRate || fps > MaxFrameRate {
		return fmt.Errorf("testpattern: frame rate %d out of range %d..%d: %w", fps, MinFrameRate, MaxFrameRate, ErrBadOption)
	}
	return nil
}

func checkOffset(d time.Duration) error {
	if d < -MaxAVOffset || d > MaxAVOffset {
		return fmt.Errorf("testpattern: av offset %v out of range %v..%v: %w", d, -MaxAVOffset, MaxAVOffset, ErrBadOption)
	}
	return nil
}

func checkLimit(n int) error {
	if n < 0 {
		return fmt.Errorf("testpattern: limit %d out of range 0.. (0 = unlimited): %w", n, ErrBadOption)
	}
	return nil
}

// WithSize sets the picture size (default 1280x720).
func WithSize(w, h int) Option {
	return func(c *config) error {
		if err := checkSize(w, h); err != nil {
			return err
		}
		c.width, c.height = w, h
		return nil
	}
}

// WithFrameRate sets frames per second (default 30).
func WithFrameRate(fps int) Option {
	return func(c *config) error {
		if err := checkFrameRate(fps); err != nil {
			return err
		}
		c.fps = fps
		return nil
	}
}

// WithAVOffset shifts the beeps against the flashes. Positive means audio
// leads video (EBU R37 / ITU-R BT.1359 sign). Default 0.
func WithAVOffset(d time.Duration) Option {
	return func(c *config) error {
		if err := checkOffset(d); err != nil {
			return err
		}
		c.offset = d
		return nil
	}
}

// WithRealTime paces delivery on the clock (default true); false delivers
// as fast as the reader takes frames.
func WithRealTime(on bool) Option {
	return func(c *config) error {
		c.realTime = on
		return nil
	}
}

// WithClock sets the session clock used for pacing (default a new WallClock).
func WithClock(clk media.Clock) Option {
	return func(c *config) error {
		if clk == nil {
			return fmt.Errorf("testpattern: clock is nil, want a media.Clock: %w", ErrBadOption)
		}
		c.clock = clk
		return nil
	}
}

// WithWallTime sets where the burned-in wall timestamp comes from (default time.Now).
func WithWallTime(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return fmt.Errorf("testpattern: wall time func is nil, want a func() time.Time: %w", ErrBadOption)
		}
		c.wallTime = now
		return nil
	}
}

// WithLimit ends Run after that many video frames and the audio up to the
// same time (default 0 = unlimited).
func WithLimit(frames int) Option {
	return func(c *config) error {
		if err := checkLimit(frames); err != nil {
			return err
		}
		c.limit = frames
		return nil
	}
}
