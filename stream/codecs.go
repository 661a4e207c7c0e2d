package stream

import "fmt"

// containerCodecs is what each muxer onair uses can carry. FFmpeg 5.1's FLV
// muxer has no enhanced-RTMP (HEVC/AV1) support, so RTMP is H.264 + AAC.
var containerCodecs = map[string]map[string]bool{
	"flv":      {"h264": true, "aac": true},
	"mp4":      {"h264": true, "hevc": true, "av1": true, "vp9": true, "aac": true, "opus": true},
	"matroska": {"h264": true, "hevc": true, "av1": true, "vp8": true, "vp9": true, "aac": true, "opus": true},
}

// CheckCodecs reports, before going live, whether sink can carry the video
// and audio codecs (FFmpeg codec names; "" = no such stream).
func CheckCodecs(sink Sink, video, audio string) error {
	m, ok := sink.(*muxer)
	if !ok {
		return nil
	}
	allowed := containerCodecs[m.format]
	for _, c := range []string{video, audio} {
		if c != "" && !allowed[c] {
			return fmt.Errorf("%s cannot carry %s (%s takes %s): %w", m.name, c, m.format, list(allowed), ErrUnsupportedCodec)
		}
	}
	return nil
}

func list(m map[string]bool) string {
	var out string
	for _, c := range []string{"h264", "hevc", "av1", "vp8", "vp9", "aac", "opus"} {
		if m[c] {
			if out != "" {
				out += ", "
			}
			out += c
		}
	}
	return out
}
