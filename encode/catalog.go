package encode

import (
	"sort"
	"strings"
	"sync"

	"github.com/asticode/go-astiav"
)

// Entry is one encoder FFmpeg knows here and whether it really opens.
type Entry struct {
	Name     string `json:"name"`
	Codec    string `json:"codec"`              // h264, hevc, vp8, vp9, av1
	Hardware string `json:"hardware,omitempty"` // nvenc, vaapi, qsv, ... ; empty for software
	Usable   bool   `json:"usable"`
	Reason   string `json:"reason,omitempty"` // why not usable, in FFmpeg's or onair's words
}

// catalogCodecs are the video codecs a streaming app offers.
// By name: go-astiav v0.16 has no constant for AV1.
var catalogCodecs = map[string]bool{"h264": true, "hevc": true, "vp8": true, "vp9": true, "av1": true}

// hardwareSuffixes name GPU and SoC encoder families by FFmpeg's naming.
var hardwareSuffixes = []string{"nvenc", "vaapi", "qsv", "videotoolbox", "amf", "mf", "v4l2m2m", "omx", "cuvid", "rkmpp"}

// hardwareOf says which accelerator an encoder name belongs to ("" = CPU).
func hardwareOf(name string) string {
	for _, s := range hardwareSuffixes {
		if strings.HasSuffix(name, "_"+s) {
			return s
		}
	}
	return ""
}

// deviceTypes are accelerators whose presence can be checked before opening.
var deviceTypes = map[string]string{"vaapi": "vaapi", "qsv": "qsv", "nvenc": "cuda", "videotoolbox": "videotoolbox"}

type probeKey struct {
	name string
	w, h int
}

var (
	probeMu    sync.Mutex
	probeCache = map[probeKey]Entry{}
)

// Catalog lists every H.264/HEVC/VP8/VP9/AV1 encoder in this FFmpeg, each
// opened for real at cfg's size, software ones first.
func Catalog(cfg VideoConfig) []Entry {
	var names []string
	seen := map[string]bool{}
	for _, c := range astiav.Codecs() {
		if !c.IsEncoder() || !catalogCodecs[c.ID().Name()] || seen[c.Name()] {
			continue
		}
		seen[c.Name()] = true
		names = append(names, c.Name())
	}
	sort.Slice(names, func(i, j int) bool {
		hi, hj := hardwareOf(names[i]) != "", hardwareOf(names[j]) != ""
		if hi != hj {
			return !hi
		}
		return names[i] < names[j]
	})
	out := make([]Entry, 0, len(names))
	for _, n := range names {
		out = append(out, Probe(n, cfg))
	}
	return out
}

// Probe opens encoder name at cfg's size once (results are cached per size)
// and reports whether it works and, if not, why.
func Probe(name string, cfg VideoConfig) Entry {
	key := probeKey{name, cfg.Width, cfg.Height}
	probeMu.Lock()
	if e, ok := probeCache[key]; ok {
		probeMu.Unlock()
		return e
	}
	probeMu.Unlock()
	e := probe(name, cfg)
	probeMu.Lock()
	probeCache[key] = e
	probeMu.Unlock()
	return e
}

func probe(name string, cfg VideoConfig) Entry {
	e := Entry{Name: name, Hardware: hardwareOf(name)}
	codec := astiav.FindEncoderByName(name)
	if codec == nil {
		e.Reason = "not in this FFmpeg build"
		return e
	}
	e.Codec = codec.ID().Name()
	if dt, ok := deviceTypes[e.Hardware]; ok {
		if err := checkHardwareDevice(dt); err != nil {
			e.Reason = err.Error()
			return e
		}
	}
	pc := cfg
	pc.Encoder = name
	if pc.Bitrate == 0 {
		pc = DefaultVideo()
		pc.Encoder, pc.Width, pc.Height = name, cfg.Width, cfg.Height
	}
	// A one-frame encode, not just an open: some encoders open fine and fail
	// on the first frame, and SVT-AV1 1.4 hangs when closed before any frame.
	enc, err := OpenVideo(pc, nil)
	if err == nil {
		err = enc.probeFrame()
		enc.Close()
	}
	if err != nil {
		e.Reason = strings.TrimPrefix(err.Error(), "video encoder "+name+": ")
		e.Reason = strings.TrimSuffix(e.Reason, ": "+ErrUnusable.Error())
		return e
	}
	e.Usable = true
	return e
}

// PickAuto chooses a usable GPU H.264 encoder, else libx264, and says why.
func PickAuto(cfg VideoConfig) (name, why string) {
	var tried []string
	for _, n := range []string{"h264_nvenc", "h264_qsv", "h264_vaapi", "h264_videotoolbox", "h264_amf", "h264_mf", "h264_v4l2m2m"} {
		if astiav.FindEncoderByName(n) == nil {
			continue
		}
		e := Probe(n, cfg)
		if e.Usable {
			return n, "GPU encoder available"
		}
		tried = append(tried, n+": "+e.Reason)
	}
	if len(tried) == 0 {
		return "libx264", "no GPU H.264 encoder in this FFmpeg; using software"
	}
	return "libx264", "no usable GPU encoder, falling back to software (" + strings.Join(tried, "; ") + ")"
}

// usableList names the usable encoders, for an error about an unknown one.
func usableList(cfg VideoConfig) string {
	var names []string
	for _, e := range Catalog(cfg) {
		if e.Usable {
			names = append(names, e.Name)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// CodecOf is the codec an encoder name produces ("h264" for libx264), or
// "" if FFmpeg has no such encoder.
func CodecOf(name string) string {
	if name == "" || name == "auto" {
		return "h264"
	}
	if c := astiav.FindEncoderByName(name); c != nil {
		return c.ID().Name()
	}
	return ""
}
