package pipeline

import (
	"errors"

	"github.com/onair-dev/onair/encode"
)

var (
	// ErrNoOutputs means a session was configured without any sink.
	ErrNoOutputs = errors.New("no outputs configured")
	// ErrAllOutputsFailed means every output failed; nothing is being sent or kept.
	ErrAllOutputsFailed = errors.New("every output failed")
	// ErrAlreadyStarted means Start was called twice.
	ErrAlreadyStarted = errors.New("session already started")
	// ErrNoSource means the session has no source.
	ErrNoSource = errors.New("no source configured")
	// ErrEncoderUnusable means the chosen encoder cannot open here (a GPU
	// encoder without its device or driver); software encoders still can.
	ErrEncoderUnusable = encode.ErrUnusable
)
