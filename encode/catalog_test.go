package encode

import (
	"strings"
	"testing"
	"time"
)

// catalog720 is the catalog at 1280x720, probed once per test binary (the
// package caches probes).
func catalog720(t *testing.T) map[string]Entry {
	t.Helper()
	var entries []Entry
	withinTimeout(t, 60*time.Second, "Catalog", func() { entries = Catalog(DefaultVideo()) })
	m := map[string]Entry{}
	for _, e := range entries {
		if _, dup := m[e.Name]; dup {
			t.Fatalf("encoder %s listed twice", e.Name)
		}
		m[e.Name] = e
	}
	return m
}

func TestCatalog(t *testing.T) {
	start := time.Now()
	entries := catalog720(t)
	first := time.Since(start)
	for _, name := range []string{"libx264", "libx265", "libvpx-vp9", "libsvtav1"} {
		e, ok := entries[name]
		if !ok {
			t.Fatalf("%s missing from the catalog: %+v", name, entries)
		}
		if !e.Usable || e.Reason != "" || e.Hardware != "" {
			t.Errorf("%s: %+v, want usable software encoder", name, e)
		}
	}
	wantCodec := map[string]string{"libx264": "h264", "libx265": "hevc", "libvpx-vp9": "vp9", "libsvtav1": "av1", "libvpx": "vp8"}
	for name, codec := range wantCodec {
		if e, ok := entries[name]; ok && e.Codec != codec {
			t.Errorf("%s codec %q, want %q", name, e.Codec, codec)
		}
	}
	hw := 0
	for _, e := range entries {
		if !catalogCodecs[e.Codec] {
			t.Errorf("%s: codec %q is not a catalog codec", e.Name, e.Codec)
		}
		if e.Hardware != hardwareOf(e.Name) {
			t.Errorf("%s: hardware %q, want %q", e.Name, e.Hardware, hardwareOf(e.Name))
		}
		if e.Hardware == "" {
			continue
		}
		hw++
		// This machine has no GPU or hardware codec device.
		if e.Usable {
			t.Errorf("hardware encoder %s reported usable on a GPU-less machine: %+v", e.Name, e)
		}
		if strings.TrimSpace(e.Reason) == "" {
			t.Errorf("unusable %s has no reason", e.Name)
		}
		if !e.Usable && e.Reason != "" && strings.Contains(e.Reason, ErrUnusable.Error()) {
			t.Errorf("%s reason %q repeats the sentinel text", e.Name, e.Reason)
		}
	}
	if hw == 0 {
		t.Fatal("no hardware encoders in the catalog; Debian's FFmpeg has nvenc/vaapi/qsv/v4l2m2m")
	}
	// Software entries come first.
	list := Catalog(DefaultVideo())
	seenHW := false
	for _, e := range list {
		if e.Hardware != "" {
			seenHW = true
		} else if seenHW {
			t.Fatalf("software encoder %s listed after hardware ones", e.Name)
		}
	}
	// A second call is served from the probe cache.
	start = time.Now()
	again := Catalog(DefaultVideo())
	second := time.Since(start)
	if len(again) != len(entries) {
		t.Fatalf("second Catalog has %d entries, first %d", len(again), len(entries))
	}
	for _, e := range again {
		if entries[e.Name] != e {
			t.Fatalf("second Catalog differs for %s: %+v vs %+v", e.Name, e, entries[e.Name])
		}
	}
	if second > 200*time.Millisecond || (first > time.Second && second > first/10) {
		t.Fatalf("second Catalog took %v (first %v): not cached", second, first)
	}
}

func TestProbeUnknown(t *testing.T) {
	e := Probe("libnosuch", DefaultVideo())
	if e.Usable || e.Reason == "" || e.Name != "libnosuch" {
		t.Fatalf("Probe(libnosuch) = %+v", e)
	}
}

func TestPickAuto(t *testing.T) {
	catalog := catalog720(t)
	name, why := PickAuto(DefaultVideo())
	if name != "libx264" {
		t.Fatalf("PickAuto = %q (%s), want libx264 on a GPU-less machine", name, why)
	}
	if !strings.Contains(why, "falling back") || !strings.Contains(why, "software") {
		t.Fatalf("PickAuto reason %q should say it is falling back to software", why)
	}
	tried := 0
	for _, n := range []string{"h264_nvenc", "h264_qsv", "h264_vaapi", "h264_videotoolbox", "h264_amf", "h264_mf", "h264_v4l2m2m"} {
		if _, ok := catalog[n]; !ok {
			continue
		}
		tried++
		if !strings.Contains(why, n) {
			t.Errorf("PickAuto reason %q does not mention %s, which it tried", why, n)
		}
	}
	if tried == 0 {
		t.Fatal("no GPU H.264 encoder in this FFmpeg to fall back from")
	}
	// "auto" opens the same choice.
	cfg := fastVideo(320, 240)
	cfg.Encoder = "auto"
	e := openVideo(t, cfg)
	if e.Name() != "libx264" || e.Info().Codec != "h264" {
		t.Fatalf("auto opened %s (%s)", e.Name(), e.Info().Codec)
	}
}

func TestCodecOf(t *testing.T) {
	for name, want := range map[string]string{
		"libx264": "h264", "libx265": "hevc", "libvpx": "vp8", "libvpx-vp9": "vp9", "libsvtav1": "av1",
		"h264_nvenc": "h264", "": "h264", "auto": "h264", "libnosuch": "", "aac": "aac",
	} {
		if got := CodecOf(name); got != want {
			t.Errorf("CodecOf(%q) = %q, want %q", name, got, want)
		}
	}
}
