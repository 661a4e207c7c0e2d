package pipeline

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/onair-dev/onair/media"
	"github.com/onair-dev/onair/stream"
)

// output runs one sink on its own goroutine behind a bounded queue, so a
// slow or dead server never stalls the encoder or another output.
type output struct {
	sink  stream.Sink
	queue chan *media.Packet
	emit  func(Event)

	state                      atomic.Int32
	sentV, sentA, bytes, drops atomic.Uint64
	// waitKey: after an overflow, drop until the next video keyframe so the
	// receiver never gets a picture that references lost data.
	waitKey  bool
	mu       sync.Mutex
	failure  error
	finished sync.Once
}

func newOutput(sk stream.Sink, depth int, emit func(Event)) *output {
	return &output{sink: sk, queue: make(chan *media.Packet, depth), emit: emit}
}

// offer queues p without blocking; called only by the encode goroutine.
func (o *output) offer(p *media.Packet) {
	if OutputState(o.state.Load()) == OutputFailed {
		return
	}
	if o.waitKey {
		if !(p.Kind == media.KindVideo && p.Keyframe) {
			o.drops.Add(1)
			return
		}
		o.waitKey = false
	}
	select {
	case o.queue <- p:
	default:
		o.drops.Add(1)
		o.waitKey = true
	}
}

// finish tells the output no more packets come; called once by the encoder.
func (o *output) finish() { o.finished.Do(func() { close(o.queue) }) }

func (o *output) fail(err error) {
	o.mu.Lock()
	o.failure = err
	o.mu.Unlock()
	o.state.Store(int32(OutputFailed))
	o.emit(Event{Output: o.sink.Name(), State: OutputFailed.String(), Err: err})
}

func (o *output) err() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.failure
}

func (o *output) run(streams []media.StreamInfo) {
	defer func() {
		for range o.queue { // keep the encoder from ever blocking on us
		}
	}()
	o.emit(Event{Output: o.sink.Name(), State: OutputConnecting.String()})
	if err := o.sink.Open(context.Background(), streams); err != nil {
		o.sink.Close()
		o.fail(err)
		return
	}
	o.state.Store(int32(OutputLive))
	o.emit(Event{Output: o.sink.Name(), State: OutputLive.String()})
	for p := range o.queue {
		if err := o.sink.WritePacket(p); err != nil {
			o.sink.Close()
			o.fail(err)
			return
		}
		if p.Kind == media.KindVideo {
			o.sentV.Add(1)
		} else {
			o.sentA.Add(1)
		}
		o.bytes.Add(uint64(len(p.Data)))
	}
	if err := o.sink.Close(); err != nil {
		o.fail(err)
		return
	}
	o.state.Store(int32(OutputClosed))
	o.emit(Event{Output: o.sink.Name(), State: OutputClosed.String()})
}

func (o *output) stats() OutputStats {
	return OutputStats{
		Name: o.sink.Name(), State: OutputState(o.state.Load()),
		SentVideo: o.sentV.Load(), SentAudio: o.sentA.Load(), Bytes: o.bytes.Load(),
		Dropped: o.drops.Load(), Err: o.err(),
	}
}
