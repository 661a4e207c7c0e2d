//go:build matprofile

package filters

import "gocv.io/x/gocv"

// matProfileCount is gocv's count of open Mats (built with -tags matprofile).
func matProfileCount() (int, bool) { return gocv.MatProfile.Count(), true }
