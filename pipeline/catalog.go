package pipeline

import (
	"context"
	"time"

	"github.com/onair-dev/onair/capture/devices"
	"github.com/onair-dev/onair/capture/probe"
	"github.com/onair-dev/onair/encode"
	"github.com/onair-dev/onair/filters"
)

// What a front end (CLI or GUI) lists for people to choose from. The
// aliases keep ui and cli off the lower packages' native code.
type (
	EncoderEntry = encode.Entry
	Device       = devices.Device
	ProbeResult  = probe.Result
	FilterInfo   = filters.Info
	FilterParam  = filters.Param
)

// Device kinds as Device.Kind holds them.
const (
	DeviceCamera     = devices.KindCamera
	DeviceMicrophone = devices.KindMicrophone
	DeviceScreen     = devices.KindScreen
)

// DefaultProbeTimeout bounds how long a network input may take to answer a probe.
const DefaultProbeTimeout = probe.DefaultTimeout

// Encoders lists every video encoder FFmpeg has here, each opened and fed
// one frame at v's size to tell the usable from the rest (and why).
func Encoders(v VideoSettings) []EncoderEntry { return encode.Catalog(v) }

// PickEncoder resolves "auto" to the best usable encoder, with the reason.
func PickEncoder(v VideoSettings) (name, why string) { return encode.PickAuto(v) }

// Devices lists cameras, microphones and screens.
func Devices() ([]Device, error) { return devices.List() }

// Probe reads what a file or URL holds.
func Probe(ctx context.Context, input string, timeout time.Duration) (*ProbeResult, error) {
	return probe.Probe(ctx, input, timeout)
}

// FilterCatalog lists every filter and its parameters.
func FilterCatalog() []FilterInfo { return filters.List() }

// CheckFilter parses one spec and reports its mistake, if any.
func CheckFilter(spec string) error {
	f, err := filters.Parse(spec)
	if err != nil {
		return bad("filter", err)
	}
	f.Close()
	return nil
}

// Filter parameter kinds, as FilterParam.Kind holds them.
const (
	ParamInt    = filters.KindInt
	ParamFloat  = filters.KindFloat
	ParamColor  = filters.KindColor
	ParamPath   = filters.KindPath
	ParamString = filters.KindString
	ParamBool   = filters.KindBool
)
