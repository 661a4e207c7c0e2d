// Package settings holds what the onair window remembers between runs
// (persisted through fyne.Preferences) and the stream keys and tokens it
// must not write there (kept in the OS keyring by Secrets).
package settings

import (
	"encoding/json"
	"fmt"

	"fyne.io/fyne/v2"
)

// PrefKey is the preferences key holding Settings as one JSON string. The
// version is in the name so a future incompatible layout can live beside it;
// compatible additions only add JSON fields.
const PrefKey = "settings.v1"

// Output kinds.
const (
	KindLocal  = "local"  // the built-in server
	KindWHIP   = "whip"   // URL is the WHIP endpoint; the bearer token is the secret
	KindRTMP   = "rtmp"   // URL is the server (rtmp://host/app); the stream key is the secret
	KindRecord = "record" // Path is the file
)

// Output is one remembered destination. It never holds a key or token:
// those live in Secrets under the output's ID (see SaveOutputSecret).
type Output struct {
	ID        string `json:"id"`
	Kind      string `json:"kind"`
	URL       string `json:"url,omitempty"`
	Path      string `json:"path,omitempty"`
	Enabled   bool   `json:"enabled"`
	HasSecret bool   `json:"hasSecret,omitempty"`
}

// Settings is what the window remembers. Values are stored as the person
// typed them; the pipeline validates.
type Settings struct {
	Source     string `json:"source"`
	Device     string `json:"device,omitempty"`
	Microphone string `json:"microphone,omitempty"`
	Input      string `json:"input,omitempty"` // URL or file of a pulled source

	Encoder     string  `json:"encoder"`
	Bitrate     string  `json:"bitrate"`
	KeyframeSec float64 `json:"keyframeSec"`
	Preset      string  `json:"preset"`
	Size        string  `json:"size"`
	FPS         int     `json:"fps"`

	Outputs []Output `json:"outputs"`

	Filters   []string `json:"filters"`             // enabled filter specs, in order
	FilterOff []string `json:"filterOff,omitempty"` // remembered but switched off

	Preview bool `json:"preview"`
	// PreviewFPS caps the preview's rate; 0 follows the source. Without a
	// GPU every preview frame repaints the window on the CPU.
	PreviewFPS int    `json:"previewFps,omitempty"`
	Language   string `json:"language,omitempty"` // "" follows the system; "en", "zh-CN"
}

// Defaults is what a first run shows: the test pattern to the local server.
func Defaults() Settings {
	return Settings{
		Source:      "testpattern",
		Encoder:     "libx264",
		Bitrate:     "2500k",
		KeyframeSec: 2,
		Preset:      "veryfast",
		Size:        "1280x720",
		FPS:         30,
		Outputs:     []Output{{ID: "local", Kind: KindLocal, Enabled: true}},
		Filters:     []string{},
		Preview:     true,
	}
}

// Load reads Settings from p. Fields missing from the stored JSON keep
// their defaults; a missing or unreadable value gives Defaults.
func Load(p fyne.Preferences) Settings {
	raw := p.String(PrefKey)
	if raw == "" {
		return Defaults()
	}
	s := Defaults()
	// json decodes array elements over old ones, so default outputs would
	// leak into stored ones: decode into nil and restore if absent.
	s.Outputs = nil
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		// A partial decode may have changed s: start again from defaults.
		return Defaults()
	}
	if s.Outputs == nil {
		s.Outputs = Defaults().Outputs
	}
	return s
}

// Save writes s to p as one value. Fyne's file-backed preferences write the
// file on change (and again on quit).
func Save(p fyne.Preferences, s Settings) error {
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("settings not saved: %w", err)
	}
	p.SetString(PrefKey, string(b))
	return nil
}
