package stream

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/onair-dev/onair/stream/rtc"
)

// errNoRestart means the server does not do ICE restarts over PATCH.
var errNoRestart = errors.New("server does not support ICE restart")

// restartOrGiveUp is called when connectivity is lost. It tries an ICE
// restart over PATCH (RFC 9725 §4.3) on the same session; if the server
// cannot, or the restart does not connect, the session is given up and the
// caller reconnects with a new POST. It reports whether the session lives.
func (w *WHIP) restartOrGiveUp(s *whipSession) bool {
	if s.closedByPeer.Load() {
		return false
	}
	// A short blip may recover by itself before a restart is worth it.
	select {
	case <-time.After(500 * time.Millisecond):
	case <-w.ctx.Done():
		return false
	}
	if st := s.pc.ConnectionState(); st == webrtc.PeerConnectionStateConnected {
		return true
	}
	err := w.iceRestart(w.ctx, s)
	if err == nil {
		w.stats.ICERestarts.Add(1)
		if w.kf != nil {
			w.kf.RequestKeyframe() // frames were lost while the path was down
		}
		if w.notify != nil {
			w.notify("live", nil)
		}
		return true
	}
	w.log.Info("ICE restart not possible; reconnecting", "output", w.name, "why", err)
	s.giveUp()
	return false
}

// iceRestart sends a restart offer's ICE part and applies the server's.
func (w *WHIP) iceRestart(ctx context.Context, s *whipSession) error {
	if s.resource == "" {
		return errNoRestart
	}
	offer, err := s.pc.CreateOffer(&webrtc.OfferOptions{ICERestart: true})
	if err != nil {
		return err
	}
	local, err := rtc.SetLocalComplete(ctx, s.pc, offer, w.opts.ICETimeout)
	if err != nil {
		return fmt.Errorf("restart offer: %w", err)
	}
	frag := rtc.FragFromSDP(local)
	rctx, cancel := context.WithTimeout(ctx, w.opts.Timeout)
	defer cancel()
	req, _ := http.NewRequestWithContext(rctx, http.MethodPatch, s.resource, strings.NewReader(frag.Marshal()))
	req.Header.Set("Content-Type", "application/trickle-ice-sdpfrag")
	req.Header.Set("If-Match", "*") // RFC 9725: an ICE restart matches any ETag
	if w.opts.Token != "" {
		req.Header.Set("Authorization", "Bearer "+w.opts.Token)
	}
	resp, err := w.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	switch {
	case resp.StatusCode == http.StatusMethodNotAllowed || resp.StatusCode == http.StatusNotImplemented:
		return errNoRestart
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("PATCH answered HTTP %d", resp.StatusCode)
	}
	answerFrag, err := rtc.ParseSDPFrag(string(body))
	if err != nil || answerFrag.Ufrag == "" {
		return fmt.Errorf("restart answer without ICE credentials: %v", err)
	}
	remote := s.pc.RemoteDescription()
	if remote == nil {
		return errors.New("no remote description to restart")
	}
	answer := rtc.ApplyFrag(remote.SDP, answerFrag)
	if err := s.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		return err
	}
	deadline := time.After(w.opts.ICETimeout)
	for {
		if s.pc.ICEConnectionState() == webrtc.ICEConnectionStateConnected || s.pc.ICEConnectionState() == webrtc.ICEConnectionStateCompleted {
			return nil
		}
		select {
		case <-deadline:
			return errors.New("the restarted ICE did not connect")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
