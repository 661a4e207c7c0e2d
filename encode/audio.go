package encode

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sync"

	"github.com/asticode/go-astiav"

	"github.com/onair-dev/onair/internal/avlog"
	"github.com/onair-dev/onair/media"
)

// maxGapFill bounds the silence inserted for a hole in the input: a longer
// hole restarts the timeline instead of writing minutes of silence.
const maxGapFill = 48000 * 2

// AudioEncoder re-chunks interleaved input into the encoder's frame size,
// converts samples to its format and encodes. One goroutine owns it.
type AudioEncoder struct {
	cfg       AudioConfig
	name      string
	cc        *astiav.CodecContext
	frame     *astiav.Frame
	pkt       *astiav.Packet
	format    astiav.SampleFormat
	frameSize int
	tb        media.Rational

	pending [][]float32 // per channel, samples not yet encoded
	next    int64       // session-time sample index of pending[c][0]
	base    int64       // session-time sample index of the source's sample 0
	started bool
	flushed bool
	info    media.StreamInfo
	close   sync.Once
}

// OpenAudio opens the audio encoder cfg names.
func OpenAudio(cfg AudioConfig) (*AudioEncoder, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	codec := astiav.FindEncoderByName(cfg.Encoder)
	if codec == nil || codec.ID().MediaType() != astiav.MediaTypeAudio {
		return nil, fmt.Errorf("audio encoder %q: %w; try aac or libopus", cfg.Encoder, ErrUnknownEncoder)
	}
	format, ok := pickSampleFormat(codec)
	if !ok {
		return nil, fmt.Errorf("audio encoder %s takes no sample format onair converts to: %w", cfg.Encoder, ErrUnusable)
	}
	cc := astiav.AllocCodecContext(codec)
	layout := astiav.ChannelLayoutStereo
	if cfg.Channels == 1 {
		layout = astiav.ChannelLayoutMono
	}
	cc.SetChannelLayout(layout)
	cc.SetChannels(cfg.Channels)
	cc.SetSampleRate(cfg.SampleRate)
	cc.SetSampleFormat(format)
	cc.SetBitRate(int64(cfg.Bitrate))
	cc.SetTimeBase(astiav.NewRational(1, cfg.SampleRate))
	cc.SetFlags(cc.Flags().Add(astiav.CodecContextFlagGlobalHeader))
	capture := avlog.Start()
	err := cc.Open(codec, nil)
	lines := capture.Stop()
	if err != nil {
		cc.Free()
		return nil, fmt.Errorf("audio encoder %s: %s: %w", cfg.Encoder, firstNonEmpty(avlog.Reason(lines), err.Error()), ErrUnusable)
	}
	e := &AudioEncoder{
		cfg: cfg, name: cfg.Encoder, cc: cc, pkt: astiav.AllocPacket(), format: format,
		frameSize: cc.FrameSize(), tb: media.Rational{Num: 1, Den: cfg.SampleRate},
		pending: make([][]float32, cfg.Channels),
	}
	if e.frameSize <= 0 {
		e.frameSize = 1024
	}
	e.frame = astiav.AllocFrame()
	e.frame.SetNbSamples(e.frameSize)
	e.frame.SetSampleFormat(format)
	e.frame.SetChannelLayout(layout)
	e.frame.SetSampleRate(cfg.SampleRate)
	if err := e.frame.AllocBuffer(0); err != nil {
		e.Close()
		return nil, fmt.Errorf("audio encoder %s: allocating frame: %v: %w", cfg.Encoder, err, ErrEncode)
	}
	e.info = media.StreamInfo{
		Kind: media.KindAudio, Codec: codec.ID().Name(), TimeBase: e.tb, BitRate: int64(cfg.Bitrate),
		ExtraData:  append([]byte(nil), cc.ExtraData()...),
		SampleRate: cfg.SampleRate, Channels: cfg.Channels, FrameSize: e.frameSize,
	}
	return e, nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func pickSampleFormat(c *astiav.Codec) (astiav.SampleFormat, bool) {
	have := map[astiav.SampleFormat]bool{}
	for _, f := range c.SampleFormats() {
		have[f] = true
	}
	for _, f := range []astiav.SampleFormat{astiav.SampleFormatFltp, astiav.SampleFormatFlt, astiav.SampleFormatS16} {
		if have[f] {
			return f, true
		}
	}
	return 0, false
}

// Name is the FFmpeg encoder in use.
func (e *AudioEncoder) Name() string { return e.name }

// Info describes the encoded stream for muxers.
func (e *AudioEncoder) Info() media.StreamInfo { return e.info }

// Encode queues a's samples and encodes every full encoder frame.
func (e *AudioEncoder) Encode(a *media.AudioFrame) ([]*media.Packet, error) {
	if e.flushed {
		return nil, fmt.Errorf("audio encoder %s: encode after flush: %w", e.name, ErrEncode)
	}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	if a.SampleRate != e.cfg.SampleRate || a.Channels != e.cfg.Channels {
		return nil, fmt.Errorf("audio encoder %s: input %d Hz %d ch, encoder %d Hz %d ch: %w",
			e.name, a.SampleRate, a.Channels, e.cfg.SampleRate, e.cfg.Channels, ErrBadConfig)
	}
	samples := deinterleave(a)
	if !e.started {
		// The session clock is the common time line: the first frame's PTS
		// places sample Start on it; later frames follow by sample count.
		e.started = true
		e.base = e.tb.Ticks(a.PTS) - a.Start
		e.next = a.Start + e.base
	}
	end := e.next + int64(len(e.pending[0]))
	at := a.Start + e.base // this frame's first sample on the session time line
	switch gap := at - end; {
	case gap > 0 && gap <= maxGapFill: // a hole: keep A/V in step with silence
		for c := range e.pending {
			e.pending[c] = append(e.pending[c], make([]float32, gap)...)
		}
	case gap > maxGapFill: // a new timeline: drop what is queued
		for c := range e.pending {
			e.pending[c] = e.pending[c][:0]
		}
		e.next = at
	case gap < 0: // overlap: the queued samples win
		skip := int(-gap)
		if skip >= a.Samples {
			return nil, nil
		}
		for c := range samples {
			samples[c] = samples[c][skip:]
		}
	}
	for c := range e.pending {
		e.pending[c] = append(e.pending[c], samples[c]...)
	}
	var out []*media.Packet
	for len(e.pending[0]) >= e.frameSize {
		pkts, err := e.sendFrame(e.frameSize)
		out = append(out, pkts...)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// Flush encodes what is queued (padded with silence) and drains the encoder.
func (e *AudioEncoder) Flush() ([]*media.Packet, error) {
	if e.flushed {
		return nil, nil
	}
	var out []*media.Packet
	if n := len(e.pending[0]); n > 0 {
		pkts, err := e.sendFrame(n)
		out = append(out, pkts...)
		if err != nil {
			return out, err
		}
	}
	e.flushed = true
	if err := e.cc.SendFrame(nil); err != nil && !errors.Is(err, astiav.ErrEof) {
		return out, fmt.Errorf("audio encoder %s: flush: %v: %w", e.name, err, ErrEncode)
	}
	pkts, err := drainPackets(e.cc, e.pkt, media.KindAudio, e.tb, e.name)
	return append(out, pkts...), err
}

// sendFrame encodes the first n queued samples, padding to a full frame.
func (e *AudioEncoder) sendFrame(n int) ([]*media.Packet, error) {
	if err := makeWritable(e.frame); err != nil {
		return nil, fmt.Errorf("audio encoder %s: %v: %w", e.name, err, ErrEncode)
	}
	e.writeSamples(n)
	for c := range e.pending {
		e.pending[c] = e.pending[c][n:]
	}
	e.frame.SetPts(e.next)
	e.next += int64(n)
	if err := e.cc.SendFrame(e.frame); err != nil {
		return nil, fmt.Errorf("audio encoder %s: %v: %w", e.name, err, ErrEncode)
	}
	return drainPackets(e.cc, e.pkt, media.KindAudio, e.tb, e.name)
}

func (e *AudioEncoder) writeSamples(n int) {
	chans := len(e.pending)
	switch e.format {
	case astiav.SampleFormatFltp:
		for c := 0; c < chans; c++ {
			d := audioPlane(e.frame, c)
			for i := 0; i < e.frameSize; i++ {
				binary.LittleEndian.PutUint32(d[i*4:], math.Float32bits(sampleAt(e.pending[c], i, n)))
			}
		}
	case astiav.SampleFormatFlt:
		d := audioPlane(e.frame, 0)
		for i := 0; i < e.frameSize; i++ {
			for c := 0; c < chans; c++ {
				binary.LittleEndian.PutUint32(d[(i*chans+c)*4:], math.Float32bits(sampleAt(e.pending[c], i, n)))
			}
		}
	case astiav.SampleFormatS16:
		d := audioPlane(e.frame, 0)
		for i := 0; i < e.frameSize; i++ {
			for c := 0; c < chans; c++ {
				v := sampleAt(e.pending[c], i, n) * 32767
				binary.LittleEndian.PutUint16(d[(i*chans+c)*2:], uint16(int16(max(-32768, min(32767, v)))))
			}
		}
	}
}

func sampleAt(s []float32, i, n int) float32 {
	if i < n {
		return s[i]
	}
	return 0
}

// deinterleave turns S16 or F32 interleaved data into float channels.
func deinterleave(a *media.AudioFrame) [][]float32 {
	out := make([][]float32, a.Channels)
	for c := range out {
		out[c] = make([]float32, a.Samples)
	}
	for i := 0; i < a.Samples; i++ {
		for c := 0; c < a.Channels; c++ {
			k := i*a.Channels + c
			if a.Format == media.SampleS16 {
				out[c][i] = float32(int16(binary.LittleEndian.Uint16(a.Data[k*2:]))) / 32768
			} else {
				out[c][i] = math.Float32frombits(binary.LittleEndian.Uint32(a.Data[k*4:]))
			}
		}
	}
	return out
}

// Close frees every native object once.
func (e *AudioEncoder) Close() error {
	e.close.Do(func() {
		if e.frame != nil {
			e.frame.Free()
		}
		if e.pkt != nil {
			e.pkt.Free()
		}
		if e.cc != nil {
			e.cc.Free()
		}
	})
	return nil
}
