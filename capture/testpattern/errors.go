package testpattern

import "errors"

// ErrBadOption is wrapped by every option validation failure.
var ErrBadOption = errors.New("testpattern: bad option")

// ErrNoBarcode means the sync bits were not found: no strip, or a frame that
// is not a test pattern.
var ErrNoBarcode = errors.New("testpattern: no barcode")

// ErrBarcodeChecksum means a strip was found but a payload bit was misread.
var ErrBarcodeChecksum = errors.New("testpattern: barcode checksum mismatch")

var errRunTwice = errors.New("testpattern: Run called more than once")
