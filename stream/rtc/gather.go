package rtc

import (
	"context"
	"errors"
	"time"

	"github.com/pion/webrtc/v4"
)

// ErrGatherTimeout means ICE candidates were not all gathered in time.
var ErrGatherTimeout = errors.New("ICE gathering took too long")

// SetLocalComplete sets desc as pc's local description and waits, bounded by
// timeout and ctx, until every candidate is gathered, then returns the
// complete SDP. onair sends whole descriptions to WHIP and WHEP peers (no
// trickle), so every offer and answer it makes goes through here.
func SetLocalComplete(ctx context.Context, pc *webrtc.PeerConnection, desc webrtc.SessionDescription, timeout time.Duration) (string, error) {
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(desc); err != nil {
		return "", err
	}
	select {
	case <-gathered:
		return pc.LocalDescription().SDP, nil
	case <-time.After(timeout):
		return "", ErrGatherTimeout
	case <-ctx.Done():
		return "", ctx.Err()
	}
}
