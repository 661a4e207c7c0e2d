//go:build !linux

package devices

import "github.com/onair-dev/onair/capture"

// openPlatformScreen leaves screens to mediadevices' drivers off Linux.
func openPlatformScreen(string, int, config) (capture.Source, bool, error) { return nil, false, nil }
