//go:build !cgo || !(linux || windows || darwin)

package devices

// Without cgo (or on other systems) no real driver is compiled in; only the
// mediadevices test drivers a program imports itself can be found.
const (
	cameraLookFor = "video input devices (no camera driver in this build: needs cgo on linux/windows/darwin)"
	micLookFor    = "audio capture devices (no microphone driver in this build: needs cgo on linux/windows/darwin)"
	screenLookFor = "screens (no screen driver in this build: needs cgo on linux/windows/darwin)"
)

var registerScreens func()
