//go:build !matprofile

package filters

// matProfileCount: gocv's MatProfile exists only with -tags matprofile.
func matProfileCount() (int, bool) { return 0, false }
