package filters

import (
	"errors"
	"fmt"
)

// Sentinel errors of the filter stage (stage.go, chain.go). Every error the
// Stage returns or reports matches one of them with errors.Is; the concrete
// types below carry the details. (The registry's and filters' sentinels are
// in filter_errors.go.)
var (
	// ErrStage: GStreamer reported an ERROR on the stage's pipeline, a state
	// change failed, or the pipeline could not be built. Err() of a failed
	// stage matches it; the *StageError carries GStreamer's message.
	ErrStage = errors.New("filter stage failed")
	// ErrStageClosed: Push (or NewStage's pipeline) after Close, or a Push
	// that Close interrupted.
	ErrStageClosed = errors.New("filter stage is closed")
	// ErrSizeChange: a frame's size differs from the stream's and the stage
	// was made with WithRenegotiate(false); the frame is refused, nothing is
	// pushed. With renegotiation on (the default) a size change is not an error.
	ErrSizeChange = errors.New("frame size changed mid-stream")
	// ErrStageFormat: Push got a frame that is not I420 or is malformed
	// (media.VideoFrame.Validate failed).
	ErrStageFormat = errors.New("filter stage needs a valid I420 frame")
	// ErrStageOption: a StageOption was given an invalid value.
	ErrStageOption = errors.New("bad filter stage option")
	// ErrFilterPanic: a filter's Apply panicked; OnFilterError gets a
	// *FilterFailure matching it.
	ErrFilterPanic = errors.New("filter panicked")
	// ErrFilterBrokeFrame: a filter replaced the frame's Mat or changed its
	// size or type (e.g. converted it to gray in place) instead of writing
	// into it; the stage cannot send such a frame on and removes the filter.
	ErrFilterBrokeFrame = errors.New("filter replaced or reshaped the frame Mat")
)

// StageError is a GStreamer-side failure of the stage: an ERROR message from
// the bus (Source is the element's name, Message its text, Debug GStreamer's
// debug detail), a failed state change, or a pipeline that did not build.
type StageError struct {
	Op      string // "bus", "set state PLAYING", "build", "eos", ...
	Source  string
	Message string
	Debug   string
	Err     error // GStreamer's error, if any
}

func (e *StageError) Error() string {
	msg := "filters: stage: " + e.Op
	if e.Source != "" {
		msg += ": " + e.Source
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Debug != "" {
		msg += " (" + e.Debug + ")"
	}
	return msg
}

func (e *StageError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrStage, e.Err}
	}
	return []error{ErrStage}
}

// SizeChangeError is ErrSizeChange with the sizes.
type SizeChangeError struct {
	FromW, FromH, ToW, ToH int
	Seq                    uint64
}

func (e *SizeChangeError) Error() string {
	return fmt.Sprintf("filters: stage: frame %d is %dx%d, stream is %dx%d (renegotiation disabled)",
		e.Seq, e.ToW, e.ToH, e.FromW, e.FromH)
}

func (e *SizeChangeError) Unwrap() error { return ErrSizeChange }

// FilterFailure is what OnFilterError receives: the filter's own error, or
// ErrFilterPanic / ErrFilterBrokeFrame, with the frame it failed on.
type FilterFailure struct {
	Filter string // Spec() of the filter
	Seq    uint64 // Seq of the frame it failed on
	Panic  any    // the recovered value, if it panicked
	Err    error  // Apply's error, or ErrFilterPanic / ErrFilterBrokeFrame
}

func (e *FilterFailure) Error() string {
	if e.Panic != nil {
		return fmt.Sprintf("filters: stage: filter %s panicked on frame %d: %v", e.Filter, e.Seq, e.Panic)
	}
	return fmt.Sprintf("filters: stage: filter %s failed on frame %d: %v", e.Filter, e.Seq, e.Err)
}

func (e *FilterFailure) Unwrap() error { return e.Err }
