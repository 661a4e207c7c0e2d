//go:build windows && cgo

package devices

import (
	_ "github.com/pion/mediadevices/pkg/driver/camera"
	_ "github.com/pion/mediadevices/pkg/driver/microphone"
	"github.com/pion/mediadevices/pkg/driver/screen"
)

const (
	cameraLookFor = "video input devices via DirectShow"
	micLookFor    = "audio capture devices via miniaudio (WASAPI)"
	screenLookFor = "active displays"
)

var registerScreens = screen.Initialize
