package media

import (
	"sync"
	"time"
)

// Clock is the session clock: monotonic time since the session started.
// Every PTS in onair is a duration on one Clock.
type Clock interface {
	Now() time.Duration
}

// WallClock measures from its creation using Go's monotonic clock.
type WallClock struct{ start time.Time }

// NewWallClock starts a session clock at zero now.
func NewWallClock() *WallClock { return &WallClock{start: time.Now()} }

func (c *WallClock) Now() time.Duration { return time.Since(c.start) }

// Start is the wall-clock instant the session clock reads zero.
func (c *WallClock) Start() time.Time { return c.start }

// ManualClock is a Clock tests move by hand.
type ManualClock struct {
	mu  sync.Mutex
	now time.Duration
}

func (c *ManualClock) Now() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now += d
	c.mu.Unlock()
}
