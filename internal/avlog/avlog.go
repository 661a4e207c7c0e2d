// Package avlog routes FFmpeg's log into slog, strips secrets from it, and
// lets a caller capture the error lines FFmpeg printed while one call ran, so
// a failure can be explained in words FFmpeg chose rather than an errno.
//
// It is internal because both encode and stream use FFmpeg and FFmpeg has one
// process-wide log callback: one owner for it.
package avlog

import (
	"context"
	"log/slog"
	"regexp"
	"strings"
	"sync"

	"github.com/asticode/go-astiav"
)

var (
	once   sync.Once
	mu     sync.Mutex
	logger = slog.Default()
	scopes = map[*Capture]struct{}{}
)

// Install routes FFmpeg's log to l (nil: slog.Default()). Safe to call often;
// the callback is installed once.
func Install(l *slog.Logger) {
	mu.Lock()
	if l != nil {
		logger = l
	}
	mu.Unlock()
	once.Do(func() {
		astiav.SetLogLevel(astiav.LogLevelWarning)
		astiav.SetLogCallback(func(_ astiav.Classer, level astiav.LogLevel, _, msg string) {
			handle(level, msg)
		})
	})
}

func handle(level astiav.LogLevel, msg string) {
	msg = Redact(strings.TrimSpace(msg))
	if msg == "" {
		return
	}
	mu.Lock()
	l := logger
	captured := len(scopes) > 0
	for c := range scopes {
		if level <= astiav.LogLevelError {
			c.lines = append(c.lines, msg)
		}
	}
	mu.Unlock()
	lv := slog.LevelDebug
	switch {
	case level <= astiav.LogLevelError && !captured:
		lv = slog.LevelWarn
	case level <= astiav.LogLevelError:
		lv = slog.LevelDebug // the caller turns it into a typed error
	case level <= astiav.LogLevelWarning:
		lv = slog.LevelDebug
	}
	l.Log(context.Background(), lv, msg, "from", "ffmpeg")
}

// Capture collects FFmpeg error lines between Start and Stop.
type Capture struct{ lines []string }

// Start begins capturing. Captures are process-wide: lines from concurrent
// calls may appear too, which only makes an explanation longer, not wrong.
func Start() *Capture {
	Install(nil)
	c := &Capture{}
	mu.Lock()
	scopes[c] = struct{}{}
	mu.Unlock()
	return c
}

// Stop ends capturing and returns the lines, oldest first.
func (c *Capture) Stop() []string {
	mu.Lock()
	defer mu.Unlock()
	delete(scopes, c)
	return c.lines
}

// Reason joins captured lines into one short sentence-sized string.
func Reason(lines []string) string {
	seen := map[string]bool{}
	var out []string
	for _, l := range lines {
		if !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	s := strings.Join(out, "; ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// urlPath matches the path (and query) of URLs of any scheme (rtmp, rtmps,
// srt, http, and ones onair does not take, such as a mistyped ftp://),
// where stream keys and tokens live.
var urlPath = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://[^/\s'"]+)(/[^\s'"]*)?`)

// Redact replaces everything after the host of any URL in s with "/…",
// so a stream key can never reach a log line or an error message.
func Redact(s string) string {
	return urlPath.ReplaceAllStringFunc(s, func(m string) string {
		sub := urlPath.FindStringSubmatch(m)
		host := sub[1]
		if i := strings.LastIndex(host, "@"); i >= 0 { // user:password@host
			scheme := host[:strings.Index(host, "://")+3]
			host = scheme + "…@" + host[i+1:]
		}
		if sub[2] == "" {
			return host
		}
		return host + "/…"
	})
}
