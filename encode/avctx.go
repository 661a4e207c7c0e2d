package encode

/*
#cgo pkg-config: libavcodec
#include <libavcodec/avcodec.h>
static void onair_set_rate(AVCodecContext *c, int64_t bit_rate, int64_t max_rate, int buffer) {
	c->bit_rate = bit_rate;
	c->rc_max_rate = max_rate;
	c->rc_buffer_size = buffer;
}
static int onair_codec_id(AVCodecContext *c) { return c->codec_id; }
*/
import "C"

import (
	"fmt"
	"unsafe"

	"github.com/asticode/go-astiav"
)

// go-astiav v0.16 sets bit_rate but not rc_max_rate or rc_buffer_size,
// and x264 holds a lowered target only under a VBV cap that is lowered too
// (its ABR otherwise spends the surplus it saved earlier). The pointer is
// read from go-astiav's CodecContext, whose first field is the C pointer;
// checkCodecContextLayout proves that at start-up.
func rawCodecContext(cc *astiav.CodecContext) *C.AVCodecContext {
	return *(**C.AVCodecContext)(unsafe.Pointer(cc))
}

func checkCodecContextLayout() error {
	c := astiav.FindEncoderByName("aac")
	if c == nil {
		return nil // nothing to check against; rate changes are then unused
	}
	cc := astiav.AllocCodecContext(c)
	defer cc.Free()
	if got := astiav.CodecID(C.onair_codec_id(rawCodecContext(cc))); got != cc.CodecID() {
		return fmt.Errorf("encode: go-astiav CodecContext layout changed: update avctx.go")
	}
	return nil
}

func init() {
	if err := checkCodecContextLayout(); err != nil {
		panic(err)
	}
}

// setRate changes the target, the VBV cap and the VBV buffer between frames;
// encoders that support it (libx264) reconfigure on the next frame.
func setRate(cc *astiav.CodecContext, bitRate, maxRate, buffer int64) {
	C.onair_set_rate(rawCodecContext(cc), C.int64_t(bitRate), C.int64_t(maxRate), C.int(buffer))
}
