package encode

import (
	"fmt"
	"os"
	"time"
)

// RateControl chooses how the encoder spends bits.
type RateControl string

const (
	// CBR holds the bitrate steady: what RTMP ingest servers expect.
	CBR RateControl = "cbr"
	// VBR lets the bitrate follow the picture's complexity under a cap.
	VBR RateControl = "vbr"
)

// VideoConfig is what a person chooses for a video encoder.
type VideoConfig struct {
	// Encoder is an FFmpeg encoder name (libx264, h264_nvenc, libx265, ...)
	// or "auto" (a usable GPU H.264 encoder, else libx264).
	Encoder       string
	Width, Height int
	FPS           int
	Bitrate       int // bits per second
	// KeyframeInterval is the maximum time between keyframes.
	KeyframeInterval time.Duration
	Preset           string // x264/x265 preset; mapped for other encoders
	Tune             string // e.g. zerolatency
	Profile          string // baseline, main, high (H.264)
	RateControl      RateControl
	Threads          int // 0: FFmpeg decides
}

// DefaultVideo is 720p30 H.264 at 2.5 Mbit/s, 2 s keyframes, veryfast,
// zerolatency, CBR: OBS's defaults for a laptop going live.
func DefaultVideo() VideoConfig {
	return VideoConfig{
		Encoder: "libx264", Width: 1280, Height: 720, FPS: 30,
		Bitrate: 2_500_000, KeyframeInterval: 2 * time.Second,
		Preset: "veryfast", Tune: "zerolatency", Profile: "high", RateControl: CBR,
	}
}

// Validate checks ranges before any native object is made.
func (c VideoConfig) Validate() error {
	switch {
	case c.Width < 16 || c.Width > 7680 || c.Height < 16 || c.Height > 4320:
		return fmt.Errorf("video size %dx%d out of range 16x16..7680x4320: %w", c.Width, c.Height, ErrBadConfig)
	case c.Width%2 != 0 || c.Height%2 != 0:
		return fmt.Errorf("video size %dx%d must be even for 4:2:0: %w", c.Width, c.Height, ErrBadConfig)
	case c.FPS < 1 || c.FPS > 240:
		return fmt.Errorf("frame rate %d out of range 1..240: %w", c.FPS, ErrBadConfig)
	case c.Bitrate < 50_000 || c.Bitrate > 200_000_000:
		return fmt.Errorf("video bitrate %d out of range 50k..200M bit/s: %w", c.Bitrate, ErrBadConfig)
	case c.KeyframeInterval < 0 || c.KeyframeInterval > time.Minute:
		return fmt.Errorf("keyframe interval %v out of range 0..1m: %w", c.KeyframeInterval, ErrBadConfig)
	case c.RateControl != "" && c.RateControl != CBR && c.RateControl != VBR:
		return fmt.Errorf("rate control %q: want cbr or vbr: %w", c.RateControl, ErrBadConfig)
	}
	switch c.Profile {
	case "", "baseline", "main", "high":
	default:
		return fmt.Errorf("profile %q: want baseline, main or high: %w", c.Profile, ErrBadConfig)
	}
	return nil
}

// gopFrames is the keyframe interval in frames (at least 1).
func (c VideoConfig) gopFrames() int {
	if c.KeyframeInterval <= 0 {
		return 2 * c.FPS
	}
	n := int(c.KeyframeInterval * time.Duration(c.FPS) / time.Second)
	if n < 1 {
		n = 1
	}
	return n
}

// AudioConfig is what a person chooses for an audio encoder.
type AudioConfig struct {
	Encoder    string // aac, libopus
	SampleRate int
	Channels   int
	Bitrate    int
}

// DefaultAudio is AAC-LC stereo 48 kHz at 160 kbit/s.
func DefaultAudio() AudioConfig {
	return AudioConfig{Encoder: "aac", SampleRate: 48000, Channels: 2, Bitrate: 160_000}
}

// Validate checks ranges before any native object is made.
func (c AudioConfig) Validate() error {
	switch {
	case c.SampleRate != 48000 && c.SampleRate != 44100:
		return fmt.Errorf("audio sample rate %d: want 48000 or 44100: %w", c.SampleRate, ErrBadConfig)
	case c.Channels != 1 && c.Channels != 2:
		return fmt.Errorf("audio channels %d: want 1 or 2: %w", c.Channels, ErrBadConfig)
	case c.Bitrate < 16_000 || c.Bitrate > 512_000:
		return fmt.Errorf("audio bitrate %d out of range 16k..512k: %w", c.Bitrate, ErrBadConfig)
	}
	return nil
}

func init() {
	// SVT-AV1 prints a banner to stderr on every open unless told otherwise;
	// it reads this variable itself. 1 = errors only.
	if _, set := os.LookupEnv("SVT_LOG"); !set {
		_ = os.Setenv("SVT_LOG", "1")
	}
}
