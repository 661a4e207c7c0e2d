// Package probe reads what an input file or URL contains (codecs, size,
// rate, duration) through FFmpeg's demuxers, without decoding it.
package probe

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/asticode/go-astiav"

	"github.com/onair-dev/onair/internal/avlog"
)

var (
	// ErrNotFound means the file does not exist.
	ErrNotFound = errors.New("input not found")
	// ErrNotMedia means the input exists but is no media FFmpeg can read.
	ErrNotMedia = errors.New("not a media file or stream")
	// ErrUnreachable means a network input could not be reached in time.
	ErrUnreachable = errors.New("input unreachable")
)

// Stream is one elementary stream of the input.
type Stream struct {
	Index      int     `json:"index"`
	Kind       string  `json:"kind"` // video, audio, subtitle, data
	Codec      string  `json:"codec"`
	Width      int     `json:"width,omitempty"`
	Height     int     `json:"height,omitempty"`
	FPS        float64 `json:"fps,omitempty"`
	SampleRate int     `json:"sample_rate,omitempty"`
	Channels   int     `json:"channels,omitempty"`
	TimeBase   string  `json:"time_base"`
	BitRate    int64   `json:"bit_rate,omitempty"`
}

// Result is what an input holds.
type Result struct {
	Input    string        `json:"input"` // redacted
	Format   string        `json:"format"`
	Duration time.Duration `json:"duration_ns"`
	Streams  []Stream      `json:"streams"`
}

// DefaultTimeout bounds how long a network input may take to answer.
const DefaultTimeout = 10 * time.Second

// Probe opens input (a path or URL) and reads its stream information.
func Probe(ctx context.Context, input string, timeout time.Duration) (*Result, error) {
	safe := avlog.Redact(input)
	isURL := strings.Contains(input, "://")
	if !isURL {
		st, err := os.Stat(input)
		if err != nil {
			return nil, fmt.Errorf("probe %s: %w", safe, ErrNotFound)
		}
		if st.IsDir() {
			return nil, fmt.Errorf("probe %s: is a folder: %w", safe, ErrNotMedia)
		}
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	fc := astiav.AllocFormatContext()
	if fc == nil {
		return nil, fmt.Errorf("probe %s: out of memory", safe)
	}
	defer fc.Free()
	intr := fc.SetInterruptCallback()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	stop := context.AfterFunc(ctx, intr.Interrupt)
	defer stop()

	opts := astiav.NewDictionary()
	defer opts.Free()
	_ = opts.Set("rw_timeout", fmt.Sprint(timeout.Microseconds()), 0)
	capture := avlog.Start()
	err := fc.OpenInput(input, nil, opts)
	lines := capture.Stop()
	if err != nil {
		return nil, classify(ctx, safe, isURL, err, lines, timeout)
	}
	defer fc.CloseInput()
	capture = avlog.Start()
	err = fc.FindStreamInfo(nil)
	lines = capture.Stop()
	if err != nil {
		return nil, classify(ctx, safe, isURL, err, lines, timeout)
	}
	r := &Result{Input: safe, Format: fc.InputFormat().Name()}
	if d := fc.Duration(); d > 0 {
		r.Duration = time.Duration(d) * time.Microsecond // AV_TIME_BASE
	}
	for _, s := range fc.Streams() {
		cp := s.CodecParameters()
		st := Stream{
			Index: s.Index(), Kind: cp.MediaType().String(), Codec: cp.CodecID().Name(),
			TimeBase: s.TimeBase().String(), BitRate: cp.BitRate(),
		}
		switch cp.MediaType() {
		case astiav.MediaTypeVideo:
			st.Width, st.Height = cp.Width(), cp.Height()
			if fr := s.AvgFrameRate(); fr.Den() != 0 && fr.Num() != 0 {
				st.FPS = fr.Float64()
			} else if fr := s.RFrameRate(); fr.Den() != 0 {
				st.FPS = fr.Float64()
			}
		case astiav.MediaTypeAudio:
			st.SampleRate = cp.SampleRate()
			st.Channels = cp.ChannelLayout().NbChannels()
		}
		r.Streams = append(r.Streams, st)
	}
	if len(r.Streams) == 0 {
		return nil, fmt.Errorf("probe %s: no audio or video streams: %w", safe, ErrNotMedia)
	}
	return r, nil
}

func classify(ctx context.Context, safe string, isURL bool, err error, lines []string, timeout time.Duration) error {
	why := avlog.Reason(lines)
	if why == "" {
		why = err.Error()
	}
	switch {
	case ctx.Err() != nil || errors.Is(err, astiav.ErrExit) || errors.Is(err, astiav.Error(-int(syscall.ETIMEDOUT))):
		return fmt.Errorf("probe %s: no answer within %v: %w", safe, timeout, ErrUnreachable)
	case isURL && (errors.Is(err, astiav.Error(-int(syscall.ECONNREFUSED))) || errors.Is(err, astiav.ErrHttpNotFound) || errors.Is(err, astiav.Error(-int(syscall.EIO)))):
		return fmt.Errorf("probe %s: %s: %w", safe, why, ErrUnreachable)
	case !isURL && errors.Is(err, astiav.Error(-int(syscall.ENOENT))):
		return fmt.Errorf("probe %s: %w", safe, ErrNotFound)
	case isURL && errors.Is(err, astiav.Error(-int(syscall.ENOENT))):
		return fmt.Errorf("probe %s: %s: %w", safe, why, ErrUnreachable)
	}
	if isURL {
		return fmt.Errorf("probe %s: %s: %w", safe, why, ErrUnreachable)
	}
	return fmt.Errorf("probe %s: %s: %w", safe, why, ErrNotMedia)
}
