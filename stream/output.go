package stream

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"github.com/onair-dev/onair/internal/avlog"
)

// DefaultTimeout bounds a connect, a handshake and each network write.
const DefaultTimeout = 10 * time.Second

// Option configures a sink.
type Option func(*options) error

type options struct {
	webrtcCodec string
	minBitrate  int
	timeout     time.Duration
	token       string
	dropRate    float64
}

// WithWebRTCVideo picks WHIP's video codec (h264 or vp8) and the floor
// congestion control may lower the video bitrate to (0: a tenth of it).
func WithWebRTCVideo(codec string, minBitrate int) Option {
	return func(o *options) error { o.webrtcCodec, o.minBitrate = codec, minBitrate; return nil }
}

// WithToken gives WHIP outputs their bearer token.
func WithToken(t string) Option {
	return func(o *options) error { o.token = t; return nil }
}

// WithDropRate makes WHIP outputs drop that fraction of outgoing RTP:
// for tests and debugging of loss recovery only.
func WithDropRate(r float64) Option {
	return func(o *options) error {
		if r < 0 || r >= 1 {
			return fmt.Errorf("drop rate %v out of range [0, 1): %w", r, ErrBadURL)
		}
		o.dropRate = r
		return nil
	}
}

// WithTimeout sets the connect/handshake/write deadline for network outputs.
func WithTimeout(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 || d > time.Minute {
			return fmt.Errorf("timeout %v out of range (0, 1m]: %w", d, ErrBadURL)
		}
		o.timeout = d
		return nil
	}
}

// Parse turns an --out value into a sink:
//
//	rtmp://host[:port]/app/key, rtmps://…   publish over RTMP(S)
//	record:path.mkv | record:path.mp4        record locally
//	path.mkv | path.mp4                      record locally
//	http(s)://host/whip-endpoint             publish over WebRTC (WHIP)
func Parse(spec string, opts ...Option) (Sink, error) {
	o := options{timeout: DefaultTimeout}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	switch {
	case strings.HasPrefix(spec, "record:"):
		return NewRecording(strings.TrimPrefix(spec, "record:"))
	case !strings.Contains(spec, "://"):
		if ext := strings.ToLower(filepath.Ext(spec)); ext == ".mkv" || ext == ".mp4" {
			return NewRecording(spec)
		}
		return nil, fmt.Errorf("output %q: not a URL or a .mkv/.mp4 file (want rtmp://host/app/key, rtmps://…, or record:file.mkv): %w", safeURL(spec), ErrBadURL)
	}
	u, err := url.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("output %s: malformed URL: %w", safeURL(spec), ErrBadURL)
	}
	switch strings.ToLower(u.Scheme) {
	case "rtmp", "rtmps":
		return NewRTMP(spec, o.timeout)
	case "http", "https":
		w, err := NewWHIP(spec, WHIPOptions{Token: o.token, Timeout: o.timeout, ICETimeout: o.timeout, DropRate: o.dropRate,
			Reconnect: true, VideoCodec: o.webrtcCodec, MinBitrate: o.minBitrate})
		if err != nil {
			return nil, err // not a typed nil in the interface
		}
		return w, nil
	}
	return nil, fmt.Errorf("output %s: unknown scheme %q (want http(s) for WHIP, rtmp, rtmps or record:): %w", safeURL(spec), u.Scheme, ErrBadURL)
}

// NewRTMP makes an RTMP/RTMPS publisher (FLV: H.264 + AAC). The URL is
// checked here; nothing connects until Open.
func NewRTMP(rawURL string, timeout time.Duration) (Sink, error) {
	safe := safeURL(rawURL)
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("output %s: malformed URL: %w", safe, ErrBadURL)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "rtmp" && scheme != "rtmps" {
		return nil, fmt.Errorf("output %s: not an RTMP URL: %w", safe, ErrBadURL)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("output %s: no server host: %w", safe, ErrBadURL)
	}
	if p := u.Port(); p != "" {
		if _, err := net.LookupPort("tcp", p); err != nil {
			return nil, fmt.Errorf("output %s: bad port %q: %w", safe, p, ErrBadURL)
		}
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) < 2 || parts[0] == "" || parts[len(parts)-1] == "" {
		return nil, fmt.Errorf("output %s: want %s://host/app/stream-key (app or key missing): %w", safe, scheme, ErrBadURL)
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &muxer{
		format: "flv", target: rawURL, name: "rtmp " + safe, network: true, timeout: timeout,
		// FLV (FFmpeg 5.1) carries H.264 + AAC only.
		muxOpts: map[string]string{"flvflags": "no_duration_filesize"},
	}, nil
}

// NewRecording makes a local recording sink. The format follows the
// extension: .mkv (Matroska, the default) or .mp4 (fragmented, so a killed
// onair leaves a playable file). The file is created now, so an unwritable
// path fails before going live; an existing file is never overwritten: a
// free name (name-1.mkv, name-2.mkv, …) is used and reported by Name.
func NewRecording(path string) (Sink, error) {
	if path == "" {
		return nil, fmt.Errorf("recording: empty path: %w", ErrBadURL)
	}
	ext := strings.ToLower(filepath.Ext(path))
	m := &muxer{flushEach: true, muxOpts: map[string]string{}}
	switch ext {
	case ".mkv":
		m.format = "matroska"
		// Clusters reach the disk at least every second: a kill loses < 1 s.
		m.muxOpts["cluster_time_limit"] = "1000"
	case ".mp4":
		m.format = "mp4"
		m.muxOpts["movflags"] = "frag_keyframe+empty_moov+default_base_moof"
	default:
		return nil, fmt.Errorf("recording %q: extension %q: want .mkv or .mp4: %w", path, ext, ErrBadURL)
	}
	final, err := createFree(path)
	if err != nil {
		return nil, err
	}
	m.target, m.name = final, "record "+final
	return m, nil
}

// safeURL is rawURL cut after its host ("rtmp://host:port/…"), with any
// user:password hidden: printable even when the URL is malformed, has no
// host or keeps its key in the query. avlog.Redact alone needs a host
// followed by "/" to find the secret part.
func safeURL(raw string) string {
	i := strings.Index(raw, "://")
	if i < 0 {
		return avlog.Redact(raw)
	}
	rest := raw[i+3:]
	host, tail := rest, ""
	if j := strings.IndexFunc(rest, func(r rune) bool {
		return r == '/' || r == '?' || r == '#' || unicode.IsSpace(r) || unicode.IsControl(r)
	}); j >= 0 {
		host, tail = rest[:j], rest[j:]
	}
	if k := strings.LastIndex(host, "@"); k >= 0 {
		host = "…@" + host[k+1:]
	}
	if tail != "" {
		return raw[:i+3] + host + "/…"
	}
	return raw[:i+3] + host
}

// createFree creates path, or the first free name-N variant of it.
func createFree(path string) (string, error) {
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return "", fmt.Errorf("recording %q: folder %q does not exist: %w", path, dir, ErrUnwritable)
	}
	base := strings.TrimSuffix(path, filepath.Ext(path))
	ext := filepath.Ext(path)
	for i := 0; i < 1000; i++ {
		p := path
		if i > 0 {
			p = fmt.Sprintf("%s-%d%s", base, i, ext)
		}
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("recording %q: %v: %w", p, err, ErrUnwritable)
		}
		f.Close()
		return p, nil
	}
	return "", fmt.Errorf("recording %q: no free name: %w", path, ErrUnwritable)
}
