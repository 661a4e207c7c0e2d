// Package stream holds onair's outputs (sinks): RTMP/RTMPS publishing and
// local recording through FFmpeg's muxers. A sink takes encoded packets; it
// never encodes, so several sinks share one encode.
package stream

import (
	"context"

	"github.com/onair-dev/onair/media"
)

// Sink is one output. Open is called once with the streams it will carry,
// then WritePacket for each packet in decode order per stream, then Close.
// Open, WritePacket and Close belong to one goroutine; Abort may come from
// any goroutine to make a blocked Open or WritePacket return.
type Sink interface {
	// Name is a description safe to print: it never includes a stream key.
	Name() string
	Open(ctx context.Context, streams []media.StreamInfo) error
	WritePacket(p *media.Packet) error
	Abort()
	Close() error
}
