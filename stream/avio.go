package stream

/*
#cgo pkg-config: libavformat libavutil
#include <stdlib.h>
#include <string.h>
#include <libavformat/avformat.h>
#include <libavutil/time.h>

// A deadline and an abort flag FFmpeg polls while it blocks on the network,
// so no connect, handshake or write can hang onair. Lives in C memory.
typedef struct {
	volatile int64_t deadline_us; // av_gettime_relative() value; 0 = none
	volatile int abort;
} onair_intr;

static int onair_intr_cb(void *p) {
	onair_intr *i = p;
	if (i->abort) return 1;
	if (i->deadline_us && av_gettime_relative() > i->deadline_us) return 1;
	return 0;
}

static int onair_avio_open(AVFormatContext *fc, const char *url, onair_intr *intr, int64_t rw_timeout_us) {
	fc->interrupt_callback.callback = onair_intr_cb;
	fc->interrupt_callback.opaque = intr;
	AVDictionary *opts = NULL;
	if (rw_timeout_us > 0) av_dict_set_int(&opts, "rw_timeout", rw_timeout_us, 0);
	int r = avio_open2(&fc->pb, url, AVIO_FLAG_WRITE, &fc->interrupt_callback, &opts);
	av_dict_free(&opts);
	return r;
}

static int onair_avio_close(AVFormatContext *fc) { return avio_closep(&fc->pb); }
static int onair_avio_error(AVFormatContext *fc) { return fc->pb ? fc->pb->error : 0; }
static const char *onair_fc_format_name(AVFormatContext *fc) { return fc->oformat ? fc->oformat->name : ""; }
static int64_t onair_now_us(void) { return av_gettime_relative(); }
*/
import "C"

import (
	"fmt"
	"time"
	"unsafe"

	"github.com/asticode/go-astiav"
)

// go-astiav v0.16's OpenIOContext calls avio_open without an interrupt
// callback or options, so a silent server would block it forever. onair
// opens the AVIOContext itself, on the AVFormatContext that go-astiav owns.
// The pointer is read from go-astiav's FormatContext, whose only field is
// the C pointer; checkLayout proves that at start-up.

func rawFormatContext(fc *astiav.FormatContext) *C.AVFormatContext {
	return *(**C.AVFormatContext)(unsafe.Pointer(fc))
}

// checkLayout fails loudly if a go-astiav upgrade moved the pointer.
func checkLayout() error {
	fc, err := astiav.AllocOutputFormatContext(nil, "flv", "")
	if err != nil {
		return err
	}
	defer fc.Free()
	if got := C.GoString(C.onair_fc_format_name(rawFormatContext(fc))); got != "flv" {
		return fmt.Errorf("stream: go-astiav FormatContext layout changed (read %q): update avio.go", got)
	}
	return nil
}

func init() {
	if err := checkLayout(); err != nil {
		panic(err)
	}
}

// interrupter is one C-side deadline, freed by free.
type interrupter struct{ c *C.onair_intr }

func newInterrupter() *interrupter {
	p := (*C.onair_intr)(C.calloc(1, C.size_t(unsafe.Sizeof(C.onair_intr{}))))
	return &interrupter{c: p}
}

// arm sets a deadline d from now (0 clears it).
func (i *interrupter) arm(d time.Duration) {
	if d <= 0 {
		i.c.deadline_us = 0
		return
	}
	i.c.deadline_us = C.int64_t(int64(C.onair_now_us()) + d.Microseconds())
}

// abort makes any blocked FFmpeg call on this context return at once.
func (i *interrupter) abort() { i.c.abort = 1 }

func (i *interrupter) aborted() bool { return i.c.abort != 0 }

// expired reports whether the armed deadline has passed.
func (i *interrupter) expired() bool {
	d := int64(i.c.deadline_us)
	return d != 0 && int64(C.onair_now_us()) > d
}

func (i *interrupter) free() {
	if i.c != nil {
		C.free(unsafe.Pointer(i.c))
		i.c = nil
	}
}

func avioOpen(fc *astiav.FormatContext, url string, intr *interrupter, rwTimeout time.Duration) error {
	cs := C.CString(url)
	defer C.free(unsafe.Pointer(cs))
	if r := C.onair_avio_open(rawFormatContext(fc), cs, intr.c, C.int64_t(rwTimeout.Microseconds())); r < 0 {
		return astiav.Error(r)
	}
	return nil
}

func avioClose(fc *astiav.FormatContext) error {
	if r := C.onair_avio_close(rawFormatContext(fc)); r < 0 {
		return astiav.Error(r)
	}
	return nil
}

func avioError(fc *astiav.FormatContext) error {
	if r := C.onair_avio_error(rawFormatContext(fc)); r < 0 {
		return astiav.Error(r)
	}
	return nil
}
