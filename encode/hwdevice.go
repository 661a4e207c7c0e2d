package encode

/*
#cgo pkg-config: libavutil
#include <stdlib.h>
#include <libavutil/hwcontext.h>
#include <libavutil/buffer.h>

// onair_hwdevice_check opens and at once releases a device of the named type.
// go-astiav v0.16 can create a device context but has no way to free it.
static int onair_hwdevice_check(const char *type_name) {
	enum AVHWDeviceType t = av_hwdevice_find_type_by_name(type_name);
	if (t == AV_HWDEVICE_TYPE_NONE) return AVERROR(ENOSYS);
	AVBufferRef *ref = NULL;
	int r = av_hwdevice_ctx_create(&ref, t, NULL, NULL, 0);
	av_buffer_unref(&ref);
	return r;
}
*/
import "C"

import (
	"fmt"
	"unsafe"

	"github.com/asticode/go-astiav"

	"github.com/onair-dev/onair/internal/avlog"
)

// checkHardwareDevice reports whether a device of FFmpeg's type name (vaapi,
// cuda, qsv, ...) can be opened here.
func checkHardwareDevice(typeName string) error {
	cs := C.CString(typeName)
	defer C.free(unsafe.Pointer(cs))
	capture := avlog.Start()
	r := C.onair_hwdevice_check(cs)
	lines := capture.Stop()
	if r < 0 {
		return fmt.Errorf("no %s device: %s", typeName, firstNonEmpty(avlog.Reason(lines), astiav.Error(r).Error()))
	}
	return nil
}
