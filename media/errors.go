package media

import "errors"

// ErrBadFrame means a frame's buffers do not match its declared size or format.
var ErrBadFrame = errors.New("malformed frame")
