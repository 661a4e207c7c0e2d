package filters

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/onair-dev/onair/telemetry/filtercost"
)

// Limits on the stage options.
const (
	MinQueueDepth, MaxQueueDepth = 1, 64
	DefaultQueueDepth            = 4
	DefaultCloseTimeout          = 3 * time.Second
	MaxCloseTimeout              = time.Minute
	MaxFrameRateNum              = 1000
)

type stageOptions struct {
	depth         int
	log           *slog.Logger
	onFilterError func(f Filter, err error)
	costs         *filtercost.Recorder
	live          bool
	fpsN, fpsD    int
	renegotiate   bool
	rollback      bool
	closeTimeout  time.Duration
	chain         []Filter
}

// StageOption configures NewStage. Each option validates its value; NewStage
// returns the first error (matching ErrStageOption).
type StageOption func(*stageOptions) error

func defaultStageOptions() stageOptions {
	return stageOptions{
		depth: DefaultQueueDepth, log: slog.Default(), live: true,
		fpsN: 0, fpsD: 1, renegotiate: true, closeTimeout: DefaultCloseTimeout,
	}
}

func optErr(format string, a ...any) error {
	return fmt.Errorf("filters: stage: "+format+": %w", append(a, ErrStageOption)...)
}

// WithQueueDepth bounds every queue of the stage to n frames (default 4):
// appsrc (max-buffers, and max-bytes = n frames), appsink (max-buffers) and
// the Frames channel. Push blocks once they are full: back-pressure.
func WithQueueDepth(n int) StageOption {
	return func(o *stageOptions) error {
		if n < MinQueueDepth || n > MaxQueueDepth {
			return optErr("queue depth %d out of range %d..%d", n, MinQueueDepth, MaxQueueDepth)
		}
		o.depth = n
		return nil
	}
}

// WithLogger sets the logger for removed filters and GStreamer warnings
// (default slog.Default()).
func WithLogger(l *slog.Logger) StageOption {
	return func(o *stageOptions) error {
		if l == nil {
			return optErr("logger is nil")
		}
		o.log = l
		return nil
	}
}

// WithOnFilterError sets the callback for a filter the stage took out of the
// chain (it returned an error, panicked, or replaced/reshaped the frame Mat).
// err is a *FilterFailure. The callback runs on the streaming thread, after
// the filter is out of the chain; ownership of f passes to it (the stage will
// not run f again, and SetChain will not hand it back), so it may Close f,
// but it should return quickly: the frame waits. Without a callback the stage
// closes the failed filter itself.
func WithOnFilterError(fn func(f Filter, err error)) StageOption {
	return func(o *stageOptions) error {
		if fn == nil {
			return optErr("OnFilterError callback is nil")
		}
		o.onFilterError = fn
		return nil
	}
}

// WithCostSink records filter costs and frame counts into r (default: a
// recorder of its own with filtercost.DefaultWindow).
func WithCostSink(r *filtercost.Recorder) StageOption {
	return func(o *stageOptions) error {
		if r == nil {
			return optErr("cost sink is nil")
		}
		o.costs = r
		return nil
	}
}

// WithLive sets appsrc is-live (default true: frames come from a capture).
func WithLive(live bool) StageOption {
	return func(o *stageOptions) error {
		o.live = live
		return nil
	}
}

// WithFrameRate puts num/den into the caps (default 0/1, variable rate).
func WithFrameRate(num, den int) StageOption {
	return func(o *stageOptions) error {
		if num < 0 || num > MaxFrameRateNum || den < 1 || den > MaxFrameRateNum {
			return optErr("frame rate %d/%d out of range: want 0..%d / 1..%d", num, den, MaxFrameRateNum, MaxFrameRateNum)
		}
		o.fpsN, o.fpsD = num, den
		return nil
	}
}

// WithRenegotiate chooses what a frame of a new size does (default true):
// renegotiate (appsrc gets new caps in stream order, videoconvert follows,
// output frames have the new size), or, with false, Push refuses it with a
// *SizeChangeError (ErrSizeChange).
func WithRenegotiate(on bool) StageOption {
	return func(o *stageOptions) error {
		o.renegotiate = on
		return nil
	}
}

// WithRollback makes a failing filter leave no trace in the frame: the probe
// copies the frame before each filter and restores it if the filter fails
// (one memcpy of the BGR frame per filter per frame; off by default, when a
// failing filter's partial writes stay in that one frame).
func WithRollback(on bool) StageOption {
	return func(o *stageOptions) error {
		o.rollback = on
		return nil
	}
}

// WithCloseTimeout bounds how long Close waits for EOS to come out of the
// pipeline (default 3 s) before it drops what is in flight and stops it.
func WithCloseTimeout(d time.Duration) StageOption {
	return func(o *stageOptions) error {
		if d <= 0 || d > MaxCloseTimeout {
			return optErr("close timeout %v out of range (0, %v]", d, MaxCloseTimeout)
		}
		o.closeTimeout = d
		return nil
	}
}

// WithChain installs fs as the initial chain (same ownership as SetChain).
func WithChain(fs ...Filter) StageOption {
	return func(o *stageOptions) error {
		o.chain = append([]Filter(nil), fs...)
		return nil
	}
}
