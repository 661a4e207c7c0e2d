package rtc

import (
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
)

// lossyConn drops a fraction of outgoing RTP packets (never RTCP, STUN or
// DTLS) at random. It exists for tests and debugging: kernel netem is not
// available everywhere, and loss recovery must be testable on loopback.
type lossyConn struct {
	net.PacketConn
	rate    float64
	mu      sync.Mutex
	rng     *rand.Rand
	sent    atomic.Uint64
	dropped atomic.Uint64
	hole    atomic.Bool // drop everything
}

func newLossyConn(c net.PacketConn, rate float64, seed uint64) *lossyConn {
	return &lossyConn{PacketConn: c, rate: rate, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// isRTP tells SRTP media from SRTCP, STUN and DTLS by the first bytes
// (RFC 7983 demultiplexing, RFC 5761 payload types 72–79 are RTCP).
func isRTP(b []byte) bool {
	if len(b) < 12 || b[0] < 128 || b[0] > 191 {
		return false
	}
	pt := b[1] & 0x7f
	return pt < 64 || pt > 95
}

func (c *lossyConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	if c.hole.Load() {
		return len(b), nil
	}
	if isRTP(b) {
		c.sent.Add(1)
		c.mu.Lock()
		drop := c.rng.Float64() < c.rate
		c.mu.Unlock()
		if drop {
			c.dropped.Add(1)
			return len(b), nil // lost on the wire
		}
	}
	return c.PacketConn.WriteTo(b, addr)
}

// ReadFrom discards what arrives while the blackhole is on: a vanished
// network loses both directions.
func (c *lossyConn) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		n, addr, err := c.PacketConn.ReadFrom(b)
		if err != nil || !c.hole.Load() {
			return n, addr, err
		}
	}
}
