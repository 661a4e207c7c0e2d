package capture

import (
	"context"
	"errors"
	"sync"

	"github.com/onair-dev/onair/media"
)

// Combine makes one source from a video-only and an audio-only source, such
// as a camera and a microphone stamped on the same clock. It ends when
// either ends or fails; Close closes both.
func Combine(video, audio Source) Source { return &combined{v: video, a: audio} }

type combined struct{ v, a Source }

func (c *combined) Info() Info {
	vi, ai := c.v.Info(), c.a.Info()
	return Info{Name: vi.Name + " + " + ai.Name, Video: vi.Video, Audio: ai.Audio, Live: vi.Live || ai.Live}
}

func (c *combined) Run(ctx context.Context, video chan<- *media.VideoFrame, audio chan<- *media.AudioFrame) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Add(2)
	go func() { defer wg.Done(); defer cancel(); errs[0] = c.v.Run(ctx, video, nil) }()
	go func() { defer wg.Done(); defer cancel(); errs[1] = c.a.Run(ctx, nil, audio) }()
	wg.Wait()
	for i, err := range errs {
		if errors.Is(err, context.Canceled) {
			errs[i] = nil
		}
	}
	return errors.Join(errs...)
}

func (c *combined) Close() error { return errors.Join(c.v.Close(), c.a.Close()) }
