package encode

/*
#cgo pkg-config: libavutil
#include <libavutil/frame.h>
static uint8_t *onair_plane(AVFrame *f, int i) { return f->data[i]; }
*/
import "C"

import (
	"unsafe"

	"github.com/asticode/go-astiav"
)

// planeBytes exposes plane i of an allocated frame as a Go slice over C
// memory, for writing pixels without a copy through Go's heap. go-astiav
// v0.16 only offers copies out, not a writable view. The slice must not be
// used after the frame is unreffed or freed.
func planeBytes(f *astiav.Frame, i, rows int) []byte {
	p := C.onair_plane((*C.AVFrame)(f.UnsafePointer()), C.int(i))
	if p == nil {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(p)), f.Linesize()[i]*rows)
}

// makeWritable gives the frame its own buffers if an encoder still holds a
// reference to the previous ones (encoders may keep frames they were sent).
func makeWritable(f *astiav.Frame) error {
	if r := C.av_frame_make_writable((*C.AVFrame)(f.UnsafePointer())); r < 0 {
		return astiav.Error(r)
	}
	return nil
}

// audioPlane is plane ch of an audio frame. FFmpeg sets only linesize[0]
// for audio: every plane has that size.
func audioPlane(f *astiav.Frame, ch int) []byte {
	p := C.onair_plane((*C.AVFrame)(f.UnsafePointer()), C.int(ch))
	if p == nil {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(p)), f.Linesize()[0])
}
