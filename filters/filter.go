// Package filters is onair's video filter stage: a GStreamer pipeline that
// converts frames to BGR, runs the current chain of OpenCV (gocv) filters on
// each buffer inside a pad probe, and converts back. The chain is swapped
// live through an atomic pointer: no lock on the frame path, no pipeline
// state change, no frame lost. go-gst and gocv live in this package only.
package filters

import "gocv.io/x/gocv"

// Filter changes one BGR (CV_8UC3) picture in place. Apply runs on the
// stage's streaming thread, one frame at a time; a filter keeps whatever
// scratch Mats it needs and frees them in Close. A filter must not keep img
// after Apply returns: it wraps GStreamer's mapped buffer.
type Filter interface {
	// Name is the registry name, e.g. "blur".
	Name() string
	// Spec is the name with its parameters, e.g. "blur:k=9", parseable by Parse.
	Spec() string
	Apply(img *gocv.Mat) error
	Close() error
}
