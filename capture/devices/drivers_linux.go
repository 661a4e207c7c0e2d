//go:build linux && cgo

package devices

import (
	// Register the Linux drivers: V4L2 cameras, miniaudio (ALSA/PulseAudio)
	// microphones and X11 screens. All need cgo.
	_ "github.com/pion/mediadevices/pkg/driver/camera"
	_ "github.com/pion/mediadevices/pkg/driver/microphone"
	"github.com/pion/mediadevices/pkg/driver/screen"
)

const (
	cameraLookFor = "video input devices via V4L2 /dev/video*"
	micLookFor    = "audio capture devices via miniaudio (PulseAudio/ALSA)"
	screenLookFor = "X11 screens on $DISPLAY"
)

// The X11 driver looks for screens only when it is initialised (at program
// start, with the DISPLAY of that moment); rescanning picks up a DISPLAY set later.
var registerScreens = screen.Initialize
