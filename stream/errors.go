package stream

import "errors"

// Sentinels for every failure a person can cause or meet with an output.
// Compare with errors.Is; the wrapped text never carries a stream key.
var (
	// ErrBadURL means the output could not be parsed or has an unknown scheme.
	ErrBadURL = errors.New("bad output URL")
	// ErrConnect means the server could not be reached (refused, no route, DNS).
	ErrConnect = errors.New("cannot connect to server")
	// ErrTimeout means the server accepted the connection but did not answer in time.
	ErrTimeout = errors.New("server did not answer in time")
	// ErrRejected means the server refused the app name or stream key.
	ErrRejected = errors.New("server rejected the app or stream key")
	// ErrDisconnected means a live output failed after it had started.
	ErrDisconnected = errors.New("connection to server lost")
	// ErrUnwritable means a recording file cannot be created or written.
	ErrUnwritable = errors.New("recording path not writable")
	// ErrUnsupportedCodec means the container cannot carry the encoded codec.
	ErrUnsupportedCodec = errors.New("codec not supported by this output")
	// ErrClosed means a packet was written to a sink that is closed.
	ErrClosed = errors.New("output closed")
)
