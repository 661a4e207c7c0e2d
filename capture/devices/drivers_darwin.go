//go:build darwin && cgo

package devices

import (
	_ "github.com/pion/mediadevices/pkg/driver/camera"
	_ "github.com/pion/mediadevices/pkg/driver/microphone"
	"github.com/pion/mediadevices/pkg/driver/screen"
)

const (
	cameraLookFor = "video input devices via AVFoundation"
	micLookFor    = "audio capture devices via miniaudio (Core Audio)"
	screenLookFor = "active displays"
)

var registerScreens = screen.Initialize
