// Package devices captures from the machine's cameras, microphones and
// screens through github.com/pion/mediadevices, delivering media.VideoFrame
// (I420) and media.AudioFrame (S16 stereo 48 kHz) stamped on the session clock.
//
// Drivers: on linux/windows/darwin with cgo the camera, microphone and screen
// drivers of mediadevices are compiled in (drivers_*.go); otherwise
// (devices_other.go) none are, and every Open fails with ErrNoDevice.
// mediadevices' test drivers (videotest, audiotest) are seen only when the
// program imports them and asks for them with WithTestDrivers.
//
// Timing: video PTS is the session clock read right after the driver hands
// over a frame (made strictly increasing). Audio PTS is origin + the sample
// count, where origin is the session time of the first chunk minus that
// chunk's duration; see DriftStats for how the device clock is held to the
// session clock.
package devices

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"syscall"

	"github.com/pion/mediadevices"
	"github.com/pion/mediadevices/pkg/driver"
	"github.com/pion/mediadevices/pkg/prop"

	"github.com/onair-dev/onair/media"
)

// Kind is what a device captures.
type Kind int

const (
	KindCamera Kind = iota + 1
	KindMicrophone
	KindScreen
)

func (k Kind) String() string {
	switch k {
	case KindCamera:
		return "camera"
	case KindMicrophone:
		return "microphone"
	case KindScreen:
		return "screen"
	}
	return "unknown"
}

// Format is one mode a driver reports. Video fields are zero for audio and
// the other way round; FPS 0 means the driver does not say.
type Format struct {
	Width, Height int
	FPS           float32
	PixelFormat   string // the driver's frame format, e.g. "YUYV", "MJPEG", "RGBA"
	SampleRate    int
	Channels      int
	SampleBytes   int
	Float         bool
}

func (f Format) String() string {
	if f.SampleRate != 0 || f.Channels != 0 {
		kind := "int"
		if f.Float {
			kind = "float"
		}
		return fmt.Sprintf("%d Hz %d ch %d-byte %s", f.SampleRate, f.Channels, f.SampleBytes, kind)
	}
	s := fmt.Sprintf("%dx%d", f.Width, f.Height)
	if f.FPS > 0 {
		s += fmt.Sprintf("@%g", f.FPS)
	}
	if f.PixelFormat != "" {
		s += " " + f.PixelFormat
	}
	return s
}

// Device is one capture device.
type Device struct {
	Kind  Kind
	ID    string // mediadevices' driver id (stable for cameras/mics while the process runs)
	Label string // driver label, also accepted as id by the Open functions
	Name  string
	// Formats are what the driver reports; nil when it could not be opened to ask.
	Formats []Format
	// Test is set for mediadevices' videotest/audiotest drivers.
	Test bool
}

type config struct {
	clock       media.Clock
	testDrivers bool
}

// Option tunes List and the Open functions.
type Option func(*config)

// WithClock stamps frames on the session clock c (default: a wall clock
// started at Open).
func WithClock(c media.Clock) Option { return func(o *config) { o.clock = c } }

// WithTestDrivers makes mediadevices' videotest/audiotest drivers visible
// (the program must import them). Without it they are ignored.
func WithTestDrivers() Option { return func(o *config) { o.testDrivers = true } }

func newConfig(opts []Option) config {
	var c config
	for _, o := range opts {
		o(&c)
	}
	if c.clock == nil {
		c.clock = media.NewWallClock()
	}
	return c
}

// drvMu serialises every call into the driver manager and drivers: their
// state machines are not safe for concurrent use.
var drvMu sync.Mutex

// screensOpen counts screen sources open now; screens are rescanned only when
// none is, so a running capture's driver is never dropped.
var screensOpen int

func isTestDriver(d driver.Driver) bool {
	l := d.Info().Label
	return l == "VideoTest" || l == "AudioTest"
}

// nullMicLabel is miniaudio's null backend device ("null" in hex), which it
// offers when no real audio system is present: it is no device.
const nullMicLabel = "6e756c6c"

func isNullDevice(d driver.Driver) bool {
	return d.Info().DeviceType == driver.Microphone && d.Info().Label == nullMicLabel
}

func kindOf(d driver.Driver) Kind {
	switch d.Info().DeviceType {
	case driver.Camera:
		return KindCamera
	case driver.Microphone:
		return KindMicrophone
	case driver.Screen:
		return KindScreen
	}
	return 0
}

// rescanScreens re-registers the screen drivers so a DISPLAY set after
// program start is seen. Caller holds drvMu.
func rescanScreens() {
	if registerScreens == nil || screensOpen > 0 {
		return
	}
	m := driver.GetManager()
	for _, d := range m.Query(driver.FilterDeviceType(driver.Screen)) {
		if d.Status() == driver.StateClosed {
			m.Delete(d.ID())
		}
	}
	registerScreens()
}

// List returns the cameras, microphones and screens, sorted by kind and label.
// Formats are asked of each driver, opening it briefly if closed.
func List(opts ...Option) ([]Device, error) {
	cfg := newConfig(opts)
	drvMu.Lock()
	defer drvMu.Unlock()
	rescanScreens()
	byID := map[string]driver.Driver{}
	for _, d := range driver.GetManager().Query(func(driver.Driver) bool { return true }) {
		byID[d.ID()] = d
	}
	var out []Device
	for _, info := range mediadevices.EnumerateDevices() {
		d := byID[info.DeviceID]
		if d == nil || kindOf(d) == 0 || isNullDevice(d) || (isTestDriver(d) && !cfg.testDrivers) {
			continue
		}
		out = append(out, Device{
			Kind: kindOf(d), ID: d.ID(), Label: info.Label, Name: d.Info().Name,
			Formats: formatsOf(queryProps(d)), Test: isTestDriver(d),
		})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		return out[i].Label < out[j].Label
	})
	return out, nil
}

// queryProps returns the driver's properties, opening it briefly if closed.
// Caller holds drvMu.
func queryProps(d driver.Driver) []prop.Media {
	if d.Status() != driver.StateClosed {
		return d.Properties()
	}
	if err := d.Open(); err != nil {
		return nil
	}
	p := d.Properties()
	_ = d.Close()
	return p
}

func formatsOf(props []prop.Media) []Format {
	var out []Format
	for _, p := range props {
		out = append(out, Format{
			Width: p.Width, Height: p.Height, FPS: p.FrameRate, PixelFormat: string(p.FrameFormat),
			SampleRate: p.SampleRate, Channels: p.ChannelCount, SampleBytes: p.SampleSize, Float: p.IsFloat,
		})
	}
	return out
}

// find picks the driver of kind with id (matching ID or label), or the best
// one ("" id: highest priority, then label). Caller holds drvMu.
func find(kind Kind, id string, cfg config) (driver.Driver, error) {
	lookFor := map[Kind]string{KindCamera: cameraLookFor, KindMicrophone: micLookFor, KindScreen: screenLookFor}[kind]
	var cands []driver.Driver
	for _, d := range driver.GetManager().Query(func(d driver.Driver) bool { return kindOf(d) == kind }) {
		if isNullDevice(d) || (isTestDriver(d) && !cfg.testDrivers) {
			continue
		}
		if id == "" || d.ID() == id || d.Info().Label == id {
			cands = append(cands, d)
		}
	}
	if len(cands) == 0 {
		return nil, noDevice(kind, id, lookFor)
	}
	sort.Slice(cands, func(i, j int) bool {
		a, b := cands[i].Info(), cands[j].Info()
		if a.Priority != b.Priority {
			return a.Priority > b.Priority
		}
		return a.Label < b.Label
	})
	return cands[0], nil
}

// open opens d, mapping "already open" and EBUSY to ErrDeviceBusy.
// Caller holds drvMu.
func open(d driver.Driver, kind Kind) error {
	if d.Status() != driver.StateClosed {
		return fmt.Errorf("devices: %s %q is already open: %w", kind, d.Info().Label, ErrDeviceBusy)
	}
	if err := d.Open(); err != nil {
		if errors.Is(err, syscall.EBUSY) || strings.Contains(strings.ToLower(err.Error()), "busy") {
			return fmt.Errorf("devices: open %s %q: %v: %w", kind, d.Info().Label, err, ErrDeviceBusy)
		}
		return fmt.Errorf("devices: open %s %q: %w", kind, d.Info().Label, err)
	}
	return nil
}
