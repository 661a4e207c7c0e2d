package network

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"time"

	"github.com/asticode/go-astiav"

	"github.com/onair-dev/onair/internal/avlog"
)

var (
	// ErrUnreachable means a network input did not answer: connection
	// refused, no answer within the timeout, or an HTTP error such as 404.
	ErrUnreachable = errors.New("input unreachable")
	// ErrNotFound means a local file does not exist.
	ErrNotFound = errors.New("input not found")
	// ErrCorrupt means the input is not media FFmpeg can read, or is damaged.
	ErrCorrupt = errors.New("not media or corrupt")
	// ErrNoStreams means the input holds neither audio nor video.
	ErrNoStreams = errors.New("no audio or video streams")
	// ErrBadPlaylist means an HLS playlist is malformed (not a playlist at
	// all, too) or lists no segments.
	ErrBadPlaylist = errors.New("bad HLS playlist")
	// ErrClosed is returned by Run after Close.
	ErrClosed = errors.New("source closed")
)

// classify turns an FFmpeg failure while opening into one of the typed
// errors, with a one-line, redacted reason.
func classify(ctx context.Context, safe string, kind inputKind, err error, lines []string, timeout time.Duration) error {
	why := avlog.Redact(avlog.Reason(lines))
	if why == "" {
		why = avlog.Redact(err.Error())
	}
	isURL := kind != kindFile
	switch {
	case ctx.Err() != nil || errors.Is(err, astiav.ErrExit) || errors.Is(err, astiav.Error(-int(syscall.ETIMEDOUT))):
		return fmt.Errorf("network %s: no answer within %v: %w", safe, timeout, ErrUnreachable)
	case isURL && (errors.Is(err, astiav.ErrHttpNotFound) || errors.Is(err, astiav.ErrHttpForbidden) ||
		errors.Is(err, astiav.ErrHttpUnauthorized) || errors.Is(err, astiav.ErrHttpOther4Xx) || errors.Is(err, astiav.ErrHttpServerError)):
		return fmt.Errorf("network %s: %s: %w", safe, why, ErrUnreachable)
	case isURL && (errors.Is(err, astiav.Error(-int(syscall.ECONNREFUSED))) || errors.Is(err, astiav.Error(-int(syscall.EIO))) ||
		errors.Is(err, astiav.Error(-int(syscall.ENOENT))) || errors.Is(err, astiav.Error(-int(syscall.ECONNRESET)))):
		return fmt.Errorf("network %s: %s: %w", safe, why, ErrUnreachable)
	case kind == kindHLS && (errors.Is(err, astiav.ErrInvaliddata) || errors.Is(err, astiav.ErrEof)):
		return fmt.Errorf("network %s: %s: %w", safe, why, ErrBadPlaylist)
	case !isURL && errors.Is(err, astiav.Error(-int(syscall.ENOENT))):
		return fmt.Errorf("network %s: %w", safe, ErrNotFound)
	case !isURL:
		return fmt.Errorf("network %s: %s: %w", safe, why, ErrCorrupt)
	case errors.Is(err, astiav.ErrInvaliddata):
		return fmt.Errorf("network %s: %s: %w", safe, why, ErrCorrupt)
	}
	return fmt.Errorf("network %s: %s: %w", safe, why, ErrUnreachable)
}
