// Package assets holds files onair serves or shows, embedded in the binary:
// the viewer web page of the built-in server (plain JS, no framework).
package assets

import "embed"

// FS holds viewer/ (index.html, viewer.js, barcode.js).
//
//go:embed viewer
var FS embed.FS
