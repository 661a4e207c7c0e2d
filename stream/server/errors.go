package server

import "errors"

var (
	// ErrNeedsToken means a non-loopback address was asked for without a way
	// to authenticate publishers and viewers.
	ErrNeedsToken = errors.New("a non-loopback address needs a bearer token")
	// ErrListen means the address could not be bound.
	ErrListen = errors.New("cannot listen on address")
)
