package encode

import "errors"

var (
	// ErrUnknownEncoder means no encoder of that name exists in this FFmpeg.
	ErrUnknownEncoder = errors.New("unknown encoder")
	// ErrUnusable means the encoder exists but cannot run on this machine
	// (no GPU, no driver, unsupported size); the error text says why.
	ErrUnusable = errors.New("encoder not usable here")
	// ErrBadConfig means a size, rate, bitrate or option is out of range.
	ErrBadConfig = errors.New("bad encoder settings")
	// ErrEncode means FFmpeg failed while encoding a frame.
	ErrEncode = errors.New("encoding failed")
)
