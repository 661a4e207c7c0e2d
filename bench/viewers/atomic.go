package main

import "sync/atomic"

type atomicU64 = atomic.Uint64
