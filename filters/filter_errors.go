package filters

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors of the filter registry and the filters. Every error that
// Parse or a New* constructor returns matches one of them with errors.Is;
// the concrete types below carry the details for messages and GUIs.
var (
	// ErrUnknownFilter: the spec names no registered filter.
	ErrUnknownFilter = errors.New("unknown filter")
	// ErrBadParam: a parameter is unknown, malformed or out of range.
	ErrBadParam = errors.New("bad filter parameter")
	// ErrCascadeMissing: the Haar cascade file of the face filter is not installed.
	ErrCascadeMissing = errors.New("haar cascade missing")
	// ErrBadImage: an image a filter needs (chroma background) cannot be read.
	ErrBadImage = errors.New("unreadable image")
	// ErrBadFrame: Apply got something other than a non-empty BGR CV_8UC3 Mat.
	ErrBadFrame = errors.New("frame is not a non-empty BGR CV_8UC3 Mat")
	// ErrFilterClosed: Apply on a filter after Close.
	ErrFilterClosed = errors.New("filter is closed")
)

// UnknownFilterError is returned for a spec whose name is not registered.
type UnknownFilterError struct {
	Name  string
	Known []string // registered names, sorted
}

func (e *UnknownFilterError) Error() string {
	return fmt.Sprintf("filters: unknown filter %q (known filters: %s)", e.Name, strings.Join(e.Known, ", "))
}

func (e *UnknownFilterError) Unwrap() error { return ErrUnknownFilter }

// ParamError is returned for an unknown, malformed or out-of-range parameter.
type ParamError struct {
	Filter  string // filter name, e.g. "blur"
	Param   string // parameter name, e.g. "k"
	Value   string // the value as given
	Allowed string // what would have been accepted, e.g. "odd integer in 1..99"
}

func (e *ParamError) Error() string {
	return fmt.Sprintf("filters: %s: bad parameter %s=%q: allowed: %s", e.Filter, e.Param, e.Value, e.Allowed)
}

func (e *ParamError) Unwrap() error { return ErrBadParam }

// CascadeError is returned when the face filter's Haar cascade is not found
// (or not loadable) in any of the searched directories.
type CascadeError struct {
	File     string   // e.g. haarcascade_frontalface_default.xml
	Searched []string // directories looked in, in order
	Reason   string   // optional: why a found file was rejected
}

func (e *CascadeError) Error() string {
	msg := fmt.Sprintf("filters: face: Haar cascade %s not found in %s", e.File, strings.Join(e.Searched, ", "))
	if e.Reason != "" {
		msg = fmt.Sprintf("filters: face: Haar cascade %s: %s", e.File, e.Reason)
	}
	return msg + "; install it with `sudo apt-get install opencv-data` (or `make deps`), or point $" + HaarDirEnv + " at a directory holding it"
}

func (e *CascadeError) Unwrap() error { return ErrCascadeMissing }

// ImageError is returned when an image file a filter needs cannot be read.
type ImageError struct {
	Filter string
	Path   string
	Err    error // underlying cause, if any (e.g. from os.Stat)
}

func (e *ImageError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("filters: %s: cannot read image %q: %v", e.Filter, e.Path, e.Err)
	}
	return fmt.Sprintf("filters: %s: cannot decode image %q (not an image OpenCV can read)", e.Filter, e.Path)
}

func (e *ImageError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrBadImage, e.Err}
	}
	return []error{ErrBadImage}
}
