package pipeline

import (
	"context"
	"errors"
	"time"

	"github.com/onair-dev/onair/capture/network"
	"github.com/onair-dev/onair/media"
	"github.com/onair-dev/onair/telemetry/analyzer"
)

// What the A/V sync analysis of an input reports.
type (
	AnalyzeEvent  = analyzer.Event
	AnalyzeResult = analyzer.Result
)

// ErrTooFewEvents means the input had too few flash/beep pairs to measure.
var ErrTooFewEvents = analyzer.ErrTooFewEvents

// Analyze measures the A/V sync of any input carrying flashes and beeps
// (onair's test pattern, or a camera filming a flash-and-beep clip): every
// pair goes to onEvent as it is found. duration bounds how much is read
// (0: all of a file); ctx ends it early with what was found so far. The
// name is the input's, redacted, for exports.
func Analyze(ctx context.Context, input string, timeout, duration time.Duration, onEvent func(AnalyzeEvent)) (res AnalyzeResult, name string, err error) {
	src, err := network.New(input, network.WithTimeout(timeout))
	if err != nil {
		return res, "", err
	}
	defer src.Close()
	name = src.Info().Name
	var opts []analyzer.Option
	if onEvent != nil {
		opts = append(opts, analyzer.OnEvent(onEvent))
	}
	an := analyzer.New(opts...)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	video := make(chan *media.VideoFrame, 8)
	audio := make(chan *media.AudioFrame, 32)
	runErr := make(chan error, 1)
	go func() {
		err := src.Run(ctx, video, audio)
		close(video)
		close(audio)
		runErr <- err
	}()
	var first time.Duration = -1
	for video != nil || audio != nil {
		select {
		case f, ok := <-video:
			if !ok {
				video = nil
				continue
			}
			if first < 0 {
				first = f.PTS
			}
			if duration > 0 && f.PTS-first > duration {
				cancel() // enough: the summary covers duration
			}
			an.AddVideo(f)
		case a, ok := <-audio:
			if !ok {
				audio = nil
				continue
			}
			an.AddAudio(a)
		}
	}
	if err := <-runErr; err != nil && !errors.Is(err, context.Canceled) {
		return res, name, err
	}
	res, err = an.Result()
	return res, name, err
}
