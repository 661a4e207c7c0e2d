package stream

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/asticode/go-astiav"

	"github.com/onair-dev/onair/internal/avlog"
	"github.com/onair-dev/onair/media"
)

// muxer writes packets into one FFmpeg container (flv, matroska, mp4) at a
// URL or path. It owns the format context, the AVIO context and the C-side
// interrupter; Close frees each once.
type muxer struct {
	format    string // FFmpeg muxer name
	target    string // URL or path; may hold a secret, never printed
	name      string // printable
	network   bool
	timeout   time.Duration // connect and per-write deadline for network targets
	muxOpts   map[string]string
	flushEach bool // flush AVIO after each packet (crash-safe recording)

	fc      *astiav.FormatContext
	intr    *interrupter
	pkt     *astiav.Packet
	streams map[media.Kind]*muxStream
	opened  bool // AVIO open
	header  bool // header written

	mu         sync.Mutex // guards closed and the abort path against Close
	closed     bool
	abortEarly bool
	closeErr   error
}

type muxStream struct {
	st *astiav.Stream
	tb media.Rational // packets' time base
}

func (m *muxer) Name() string { return m.name }

func (m *muxer) Open(ctx context.Context, streams []media.StreamInfo) error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return ErrClosed
	}
	m.intr = newInterrupter()
	if m.abortEarly { // Abort came before Open: honour it
		m.intr.abort()
	}
	m.mu.Unlock()

	fc, err := astiav.AllocOutputFormatContext(nil, m.format, "")
	if err != nil {
		return fmt.Errorf("%s: no %s muxer: %v: %w", m.name, m.format, err, ErrUnsupportedCodec)
	}
	m.fc = fc
	if m.flushEach {
		fc.SetFlags(fc.Flags().Add(astiav.FormatContextFlagFlushPackets))
	}
	m.pkt = astiav.AllocPacket()
	m.streams = map[media.Kind]*muxStream{}
	for _, si := range streams {
		if err := m.addStream(si); err != nil {
			return err
		}
	}

	// Cancel of ctx aborts a blocked connect.
	// Through Abort: it takes mu, so it cannot race Close freeing m.intr.
	stop := context.AfterFunc(ctx, m.Abort)
	defer stop()
	m.intr.arm(m.timeout)
	capture := avlog.Start()
	err = avioOpen(fc, m.target, m.intr, m.rwTimeout())
	lines := capture.Stop()
	if err != nil {
		return m.classifyOpen(ctx, err, lines)
	}
	m.opened = true

	opts := astiav.NewDictionary()
	defer opts.Free()
	for k, v := range m.muxOpts {
		_ = opts.Set(k, v, 0)
	}
	m.intr.arm(m.timeout)
	capture = avlog.Start()
	err = fc.WriteHeader(opts)
	lines = capture.Stop()
	m.intr.arm(0)
	if err != nil {
		if m.network {
			return m.classifyOpen(ctx, err, lines)
		}
		return fmt.Errorf("%s: writing header: %s: %w", m.name, reason(err, lines), ErrUnwritable)
	}
	m.header = true
	return nil
}

func (m *muxer) rwTimeout() time.Duration {
	if m.network {
		return m.timeout
	}
	return 0
}

func reason(err error, lines []string) string {
	if r := avlog.Reason(lines); r != "" {
		return r
	}
	return err.Error()
}

// classifyOpen turns FFmpeg's answer to a connect into onair's sentinels.
// FFmpeg reports a refused key or unknown app only as an I/O error once the
// connection is up, so anything after a successful TCP connect that is not
// a timeout is a rejection.
func (m *muxer) classifyOpen(ctx context.Context, err error, lines []string) error {
	why := reason(err, lines)
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("%s: %w", m.name, ctx.Err())
	case m.intr.aborted():
		return fmt.Errorf("%s: stopped while connecting: %w", m.name, ErrClosed)
	case !m.network:
		return fmt.Errorf("%s: %s: %w", m.name, why, ErrUnwritable)
	case m.intr.expired():
		// The deadline fired; TLS reports that as a generic I/O error.
		return fmt.Errorf("%s: no answer within %v: %w", m.name, m.timeout, ErrTimeout)
	case errors.Is(err, astiav.Error(-int(syscall.ECONNREFUSED))),
		errors.Is(err, astiav.Error(-int(syscall.EHOSTUNREACH))),
		errors.Is(err, astiav.Error(-int(syscall.ENETUNREACH))),
		errors.Is(err, astiav.Error(-int(syscall.EADDRNOTAVAIL))):
		return fmt.Errorf("%s: %s: %w", m.name, why, ErrConnect)
	case errors.Is(err, astiav.ErrExit), errors.Is(err, astiav.Error(-int(syscall.ETIMEDOUT))):
		return fmt.Errorf("%s: no answer within %v: %w", m.name, m.timeout, ErrTimeout)
	case errors.Is(err, astiav.Error(-int(syscall.ENOENT))), errors.Is(err, astiav.Error(-int(syscall.EINVAL))):
		// getaddrinfo failures come back as these.
		return fmt.Errorf("%s: %s: %w", m.name, why, ErrConnect)
	}
	return fmt.Errorf("%s: server closed the connection while publishing (%s): check the app name and stream key: %w", m.name, why, ErrRejected)
}

func (m *muxer) addStream(si media.StreamInfo) error {
	dec := astiav.FindDecoderByName(si.Codec)
	if dec == nil {
		return fmt.Errorf("%s: codec %q unknown: %w", m.name, si.Codec, ErrUnsupportedCodec)
	}
	st := m.fc.NewStream(nil)
	if st == nil {
		return fmt.Errorf("%s: cannot add a stream: %w", m.name, ErrUnsupportedCodec)
	}
	cp := st.CodecParameters()
	cp.SetCodecID(dec.ID())
	if len(si.ExtraData) > 0 {
		if err := cp.SetExtraData(si.ExtraData); err != nil {
			return fmt.Errorf("%s: extradata: %v: %w", m.name, err, ErrUnsupportedCodec)
		}
	}
	switch si.Kind {
	case media.KindVideo:
		cp.SetMediaType(astiav.MediaTypeVideo)
		cp.SetWidth(si.Width)
		cp.SetHeight(si.Height)
		cp.SetPixelFormat(astiav.PixelFormatYuv420P)
		if si.FrameRate.Num > 0 {
			st.SetAvgFrameRate(astiav.NewRational(si.FrameRate.Num, si.FrameRate.Den))
			st.SetRFrameRate(astiav.NewRational(si.FrameRate.Num, si.FrameRate.Den))
		}
	case media.KindAudio:
		cp.SetMediaType(astiav.MediaTypeAudio)
		cp.SetSampleRate(si.SampleRate)
		layout := astiav.ChannelLayoutStereo
		if si.Channels == 1 {
			layout = astiav.ChannelLayoutMono
		}
		cp.SetChannelLayout(layout)
		cp.SetFrameSize(si.FrameSize)
	}
	st.SetTimeBase(astiav.NewRational(si.TimeBase.Num, si.TimeBase.Den))
	m.streams[si.Kind] = &muxStream{st: st, tb: si.TimeBase}
	return nil
}

func (m *muxer) WritePacket(p *media.Packet) error {
	m.mu.Lock()
	closed := m.closed
	m.mu.Unlock()
	if closed { // Close freed the native objects (and the interrupter)
		return fmt.Errorf("%s: write after close: %w", m.name, ErrClosed)
	}
	if !m.header {
		return fmt.Errorf("%s: write before open: %w", m.name, ErrClosed)
	}
	if m.intr.aborted() {
		return fmt.Errorf("%s: %w", m.name, ErrClosed)
	}
	ms, ok := m.streams[p.Kind]
	if !ok {
		return nil // this output does not carry that kind
	}
	if err := m.pkt.FromData(p.Data); err != nil {
		return fmt.Errorf("%s: packet: %v: %w", m.name, err, ErrDisconnected)
	}
	defer m.pkt.Unref()
	m.pkt.SetPts(p.PTS)
	m.pkt.SetDts(p.DTS)
	m.pkt.SetDuration(p.Duration)
	if p.Keyframe {
		m.pkt.SetFlags(m.pkt.Flags().Add(astiav.PacketFlagKey))
	}
	m.pkt.SetStreamIndex(ms.st.Index())
	// The stream's time base is final only after the header was written.
	m.pkt.RescaleTs(astiav.NewRational(ms.tb.Num, ms.tb.Den), ms.st.TimeBase())
	if m.network {
		m.intr.arm(m.timeout)
		defer m.intr.arm(0)
	}
	if err := m.fc.WriteInterleavedFrame(m.pkt); err != nil {
		if m.intr.aborted() {
			return fmt.Errorf("%s: %w", m.name, ErrClosed)
		}
		if m.network {
			return fmt.Errorf("%s: %v: %w", m.name, err, ErrDisconnected)
		}
		return fmt.Errorf("%s: %v: %w", m.name, err, ErrUnwritable)
	}
	if err := avioError(m.fc); err != nil {
		if m.network {
			return fmt.Errorf("%s: %v: %w", m.name, err, ErrDisconnected)
		}
		return fmt.Errorf("%s: %v: %w", m.name, err, ErrUnwritable)
	}
	return nil
}

// Abort makes a blocked Open or WritePacket return at once; any goroutine
// may call it. Close must still follow, from the goroutine that writes.
func (m *muxer) Abort() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.abortEarly = true
	if m.intr != nil {
		m.intr.abort()
	}
}

// Close writes the trailer (if the header went out and the output is
// healthy), closes the AVIO context and frees everything, once.
func (m *muxer) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return m.closeErr
	}
	m.closed = true
	var errs []error
	if m.header && (m.intr == nil || !m.intr.aborted()) {
		if m.network {
			m.intr.arm(m.timeout)
		}
		if err := m.fc.WriteTrailer(); err != nil && m.network {
			// A dead server cannot take a trailer; nothing is lost.
		} else if err != nil {
			errs = append(errs, fmt.Errorf("%s: finishing file: %v: %w", m.name, err, ErrUnwritable))
		}
	}
	if m.opened {
		if err := avioClose(m.fc); err != nil && !m.network {
			errs = append(errs, fmt.Errorf("%s: closing file: %v: %w", m.name, err, ErrUnwritable))
		}
	}
	if m.pkt != nil {
		m.pkt.Free()
	}
	if m.fc != nil {
		m.fc.Free()
	}
	if !m.network && !m.header {
		// Never went live: remove the empty file made to check the path,
		// but nothing with data in it.
		if st, err := os.Stat(m.target); err == nil && st.Size() == 0 {
			os.Remove(m.target)
		}
	}
	if m.intr != nil {
		m.intr.free()
		m.intr = nil
	}
	m.closeErr = errors.Join(errs...)
	return m.closeErr
}
