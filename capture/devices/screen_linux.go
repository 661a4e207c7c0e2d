//go:build linux

package devices

import (
	"strings"

	"github.com/onair-dev/onair/capture"
)

// openPlatformScreen opens the X11 screen with onair's own reader (see
// screen_x11.go) for the default screen or an "X11Screen…" id.
func openPlatformScreen(id string, fps int, cfg config) (capture.Source, bool, error) {
	if id != "" && !strings.HasPrefix(id, "X11Screen") {
		return nil, false, nil
	}
	src, err := openX11Screen(fps, cfg)
	return src, true, err
}
