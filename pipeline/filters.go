package pipeline

import (
	"errors"
	"fmt"
	"time"

	"github.com/onair-dev/onair/filters"
	"github.com/onair-dev/onair/media"
	"github.com/onair-dev/onair/telemetry/filtercost"
)

// ErrNoFilterStage means filters were asked of a session started without
// its filter stage (Config.FilterStage false and no Config.Filters).
var ErrNoFilterStage = errors.New("this session has no filter stage")

// Cost is one filter's time per frame over the recent window.
type Cost = filtercost.Snapshot

// parseFilters builds filters from specs; on error nothing is left open.
func parseFilters(specs []string) ([]filters.Filter, error) {
	var out []filters.Filter
	for _, sp := range specs {
		f, err := filters.Parse(sp)
		if err != nil {
			for _, g := range out {
				g.Close()
			}
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// startStage builds the filter stage with the initial chain.
func (s *Session) startStage() error {
	if !s.hasVid || (!s.cfg.FilterStage && len(s.cfg.Filters) == 0) {
		return nil
	}
	initial, err := parseFilters(s.cfg.Filters)
	if err != nil {
		return err
	}
	info := s.cfg.Source.Info()
	st, err := filters.NewStage(
		filters.WithLive(info.Live),
		filters.WithFrameRate(max(s.cfg.Video.FPS, 0), 1),
		filters.WithLogger(s.log),
		filters.WithOnFilterError(func(f filters.Filter, err error) {
			s.emit(Event{State: "filter removed", Err: fmt.Errorf("filter %s failed and was switched off: %w", f.Spec(), err)})
			f.Close() // ours now: the stage never runs it again
		}),
		filters.WithChain(initial...),
	)
	if err != nil {
		for _, f := range initial {
			f.Close()
		}
		return err
	}
	s.stage = st
	s.stageOn.Store(len(initial) > 0)
	return nil
}

// waitStageEmpty blocks the router until every frame it gave the stage has
// reached the encoders (a few frames' time when the chain was just emptied).
// Bounded, so a stage that lost a frame cannot stall the stream.
func (s *Session) waitStageEmpty() {
	deadline := time.Now().Add(2 * time.Second)
	for s.inStage.Load() > 0 {
		if time.Now().After(deadline) {
			s.log.Warn("filter stage did not drain in 2 s; going on", "in_stage", s.inStage.Load())
			s.inStage.Store(0)
			return
		}
		time.Sleep(200 * time.Microsecond)
	}
}

// filterLoop pushes frames through the stage and hands what comes out to
// the encoders, in order. If the stage fails, frames go on unfiltered:
// a broken filter must not take the stream down.
func (s *Session) filterLoop(in <-chan *media.VideoFrame, live bool) {
	out := s.stage.Frames()
	done := make(chan struct{})
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer close(done)
		for f := range out {
			s.dispatchVideo(f, live)
			s.inStage.Add(-1)
		}
	}()
	broken := false
	for f := range in {
		if broken {
			s.dispatchVideo(f, live)
			s.inStage.Add(-1)
			continue
		}
		if err := s.stage.Push(f); err != nil {
			broken = true
			s.emit(Event{State: "filters off", Err: fmt.Errorf("filter stage failed, sending unfiltered: %w", err)})
			s.stage.Close()
			<-done // what the stage still held came out first: order kept
			s.dispatchVideo(f, live)
			s.inStage.Add(-1)
		}
	}
	s.stage.Close() // EOS: every pushed frame comes out before Frames closes
	<-done
	for _, f := range s.stage.SetChain(nil) {
		f.Close()
	}
}

// SetFilters replaces the live chain (specs as `onair filters list` shows).
// Nothing changes if a spec is wrong. The frame path never waits for it.
func (s *Session) SetFilters(specs []string) error {
	if !s.running.Load() || s.stage == nil {
		return ErrNoFilterStage
	}
	select {
	case <-s.done: // a stopped session's stage takes no new (native) filters
		return ErrNoFilterStage
	default:
	}
	next, err := parseFilters(specs)
	if err != nil {
		return err
	}
	s.filterMu.Lock() // one swap at a time, so old chains are closed once
	defer s.filterMu.Unlock()
	if len(next) > 0 {
		s.stageOn.Store(true) // before the swap is visible: no frame skips the new chain
	}
	for _, f := range s.stage.SetChain(next) {
		f.Close()
	}
	if len(next) == 0 {
		s.stageOn.Store(false)
	}
	return nil
}

// Filters returns the specs of the chain in force (filters that failed and
// were removed are gone from it).
func (s *Session) Filters() []string {
	if !s.running.Load() || s.stage == nil {
		return nil
	}
	var out []string
	for _, f := range s.stage.Chain() {
		out = append(out, f.Spec())
	}
	return out
}

// FilterCosts returns each filter's time per frame (p50, p95 over a window).
func (s *Session) FilterCosts() []Cost {
	if !s.running.Load() || s.stage == nil {
		return nil
	}
	return s.stage.Costs()
}

// FilterFrames reports frames into and out of the filter stage.
func (s *Session) FilterFrames() (in, out uint64) {
	if !s.running.Load() || s.stage == nil {
		return 0, 0
	}
	return s.stage.Counts()
}
