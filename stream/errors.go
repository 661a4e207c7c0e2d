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

// WHIP/WebRTC failures.
var (
	// ErrUnauthorized means the server refused the bearer token (401/403).
	ErrUnauthorized = errors.New("server refused the token")
	// ErrNotFound means the endpoint does not exist (404).
	ErrNotFound = errors.New("endpoint not found")
	// ErrServer means the server failed (5xx).
	ErrServer = errors.New("server error")
	// ErrProtocol means the server answered outside the protocol (e.g. 201 without Location).
	ErrProtocol = errors.New("server broke the protocol")
	// ErrBadAnswer means the SDP answer could not be used.
	ErrBadAnswer = errors.New("unusable SDP answer")
	// ErrNoCommonCodec means the server accepts none of the codecs offered.
	ErrNoCommonCodec = errors.New("no codec in common with the server")
	// ErrICE means no network path to the server's media port was found in time.
	ErrICE = errors.New("WebRTC connection did not come up")
)
