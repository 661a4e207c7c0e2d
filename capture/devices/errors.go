package devices

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrNoDevice means no device of the wanted kind (or with the wanted id)
	// exists. The wrapping error names what was looked for and where.
	ErrNoDevice = errors.New("no device")
	// ErrDeviceBusy means the device exists but is already open, here or in
	// another process.
	ErrDeviceBusy = errors.New("device busy")
	// ErrUnsupportedFormat means the device cannot deliver what was asked for
	// without conversion this package does not do (scaling, resampling).
	// The wrapping error names what the device offers.
	ErrUnsupportedFormat = errors.New("unsupported format")
	// ErrClosed is returned by Run on a closed source.
	ErrClosed = errors.New("devices: source closed")
)

// FormatError is ErrUnsupportedFormat with what was asked and what is offered.
type FormatError struct {
	Device  string
	Asked   string
	Offered []Format
}

func (e *FormatError) Error() string {
	offers := make([]string, len(e.Offered))
	for i, f := range e.Offered {
		offers[i] = f.String()
	}
	if len(offers) == 0 {
		offers = []string{"nothing the driver reports"}
	}
	return fmt.Sprintf("devices: %s: %s: %v; device offers %s", e.Device, e.Asked, ErrUnsupportedFormat, strings.Join(offers, ", "))
}

func (e *FormatError) Unwrap() error { return ErrUnsupportedFormat }

func noDevice(kind Kind, id, lookedFor string) error {
	if id != "" {
		return fmt.Errorf("devices: no %s with id or label %q (looked for %s): %w", kind, id, lookedFor, ErrNoDevice)
	}
	return fmt.Errorf("devices: no %s found (looked for %s): %w", kind, lookedFor, ErrNoDevice)
}
