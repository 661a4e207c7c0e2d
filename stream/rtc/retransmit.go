package rtc

import (
	"sync"
	"sync/atomic"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
)

// resendCounter counts RTP packets that leave with a sequence number at or
// behind the highest one already sent on their SSRC: the NACK responder's
// retransmissions. Registered first, it sits next to the network and sees
// everything every other interceptor writes.
type resendCounter struct {
	interceptor.NoOp
	count *atomic.Uint64
	mu    sync.Mutex
	high  map[uint32]uint16
}

type resendFactory struct{ count *atomic.Uint64 }

func (f resendFactory) NewInterceptor(string) (interceptor.Interceptor, error) {
	return &resendCounter{count: f.count, high: map[uint32]uint16{}}, nil
}

func (r *resendCounter) BindLocalStream(info *interceptor.StreamInfo, w interceptor.RTPWriter) interceptor.RTPWriter {
	return interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
		r.mu.Lock()
		hi, seen := r.high[h.SSRC]
		switch {
		case !seen || int16(h.SequenceNumber-hi) > 0:
			r.high[h.SSRC] = h.SequenceNumber
		default:
			r.count.Add(1)
		}
		r.mu.Unlock()
		return w.Write(h, payload, a)
	})
}
