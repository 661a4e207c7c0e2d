package filters

// Small C helpers for what go-gst v1.4.0 does not expose: writing a buffer's
// OFFSET fields (the stage carries media.VideoFrame.Seq there) and reading
// width/height out of caps without allocating Go wrappers per frame.

/*
#cgo pkg-config: gstreamer-1.0
#include <gst/gst.h>

static void onair_buffer_set_offset(void *buf, guint64 off) {
	GST_BUFFER_OFFSET((GstBuffer *)buf) = off;
	GST_BUFFER_OFFSET_END((GstBuffer *)buf) = off + 1;
}

static guint64 onair_buffer_offset(void *buf) {
	return GST_BUFFER_OFFSET((GstBuffer *)buf);
}

static gboolean onair_caps_size(void *caps, gint *w, gint *h) {
	if (caps == NULL || gst_caps_get_size((GstCaps *)caps) < 1)
		return FALSE;
	const GstStructure *s = gst_caps_get_structure((GstCaps *)caps, 0);
	return gst_structure_get_int(s, "width", w) && gst_structure_get_int(s, "height", h);
}

// onair_probe_writable_buffer: the probe info's buffer, made writable in
// place (gst_buffer_make_writable, the probe info then carries the copy the
// pad pushes on) so it can be mapped for writing.
static void *onair_probe_writable_buffer(void *info) {
	GstPadProbeInfo *pi = (GstPadProbeInfo *)info;
	GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER(pi);
	if (b == NULL)
		return NULL;
	if (!gst_buffer_is_writable(b)) {
		b = gst_buffer_make_writable(b);
		GST_PAD_PROBE_INFO_DATA(pi) = b;
	}
	return b;
}

static void *onair_sample_buffer(void *sample) {
	return gst_sample_get_buffer((GstSample *)sample); // transfer none
}

static gboolean onair_sample_size(void *sample, gint *w, gint *h) {
	return onair_caps_size(gst_sample_get_caps((GstSample *)sample), w, h); // transfer none
}

// A plain GstBufferPool of size-byte buffers, unbounded (appsrc bounds
// what is in flight): Push reuses memory instead of a fresh 1.4 MB
// allocation (mmap + page faults) per 720p frame.
static void *onair_pool_new(guint size) {
	GstBufferPool *p = gst_buffer_pool_new();
	GstStructure *cfg = gst_buffer_pool_get_config(p);
	gst_buffer_pool_config_set_params(cfg, NULL, size, 0, 0);
	if (!gst_buffer_pool_set_config(p, cfg) || !gst_buffer_pool_set_active(p, TRUE)) {
		gst_object_unref(p);
		return NULL;
	}
	return p;
}

static void *onair_pool_acquire(void *p) {
	GstBuffer *b = NULL;
	if (gst_buffer_pool_acquire_buffer((GstBufferPool *)p, &b, NULL) != GST_FLOW_OK)
		return NULL;
	return b;
}

// onair_pool_free: buffers still in the pipeline keep the pool alive and are
// freed when they come back.
static void onair_pool_free(void *p) {
	gst_buffer_pool_set_active((GstBufferPool *)p, FALSE);
	gst_object_unref(p);
}

// onair_event_caps_size: width/height of a CAPS event; FALSE for any other event.
static gboolean onair_event_caps_size(void *ev, gint *w, gint *h) {
	GstCaps *caps = NULL;
	if (GST_EVENT_TYPE((GstEvent *)ev) != GST_EVENT_CAPS)
		return FALSE;
	gst_event_parse_caps((GstEvent *)ev, &caps); // transfer none
	return onair_caps_size(caps, w, h);
}
*/
import "C"

import "unsafe"

func bufferSetOffset(buf unsafe.Pointer, off uint64) {
	C.onair_buffer_set_offset(buf, C.guint64(off))
}

func bufferOffset(buf unsafe.Pointer) uint64 {
	return uint64(C.onair_buffer_offset(buf))
}

func probeWritableBuffer(info unsafe.Pointer) unsafe.Pointer {
	return C.onair_probe_writable_buffer(info)
}

func poolNew(size int) unsafe.Pointer { return C.onair_pool_new(C.guint(size)) }

func poolAcquire(p unsafe.Pointer) unsafe.Pointer { return C.onair_pool_acquire(p) }

func poolFree(p unsafe.Pointer) { C.onair_pool_free(p) }

func sampleBuffer(sample unsafe.Pointer) unsafe.Pointer { return C.onair_sample_buffer(sample) }

func sampleSize(sample unsafe.Pointer) (w, h int, ok bool) {
	var cw, ch C.gint
	if C.onair_sample_size(sample, &cw, &ch) == 0 {
		return 0, 0, false
	}
	return int(cw), int(ch), true
}

func eventCapsSize(ev unsafe.Pointer) (w, h int, ok bool) {
	var cw, ch C.gint
	if C.onair_event_caps_size(ev, &cw, &ch) == 0 {
		return 0, 0, false
	}
	return int(cw), int(ch), true
}
