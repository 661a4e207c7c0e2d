package encode

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/asticode/go-astiav"

	"github.com/onair-dev/onair/internal/avlog"
	"github.com/onair-dev/onair/media"
)

// videoTimeBase is fine enough that capture-time PTS never collide.
var videoTimeBase = media.Rational{Num: 1, Den: 90000}

// VideoEncoder turns raw frames into packets with one FFmpeg encoder. Encode
// and Close belong to one goroutine; RequestKeyframe may be called from any.
type VideoEncoder struct {
	cfg   VideoConfig
	name  string
	codec *astiav.Codec
	cc    *astiav.CodecContext
	frame *astiav.Frame // yuv420p at the encoder's size, reused
	pkt   *astiav.Packet
	conv  *converter // only when input format or size differs

	keyframe atomic.Bool
	target   atomic.Int64 // pending bitrate from congestion control; 0 = none
	bitrate  atomic.Int64 // bitrate in force; Stats reads it from any goroutine
	lastPTS  int64
	started  bool
	flushed  bool
	info     media.StreamInfo
	close    sync.Once
}

// OpenVideo opens the encoder cfg names ("auto" resolves through the catalog).
func OpenVideo(cfg VideoConfig, log *slog.Logger) (*VideoEncoder, error) {
	if log == nil {
		log = slog.Default()
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Encoder == "" || cfg.Encoder == "auto" {
		name, why := PickAuto(cfg)
		log.Info("encoder auto-selected", "encoder", name, "why", why)
		cfg.Encoder = name
	}
	codec := astiav.FindEncoderByName(cfg.Encoder)
	if codec == nil || codec.ID().MediaType() != astiav.MediaTypeVideo {
		return nil, fmt.Errorf("video encoder %q: %w; usable here: %s", cfg.Encoder, ErrUnknownEncoder, usableList(cfg))
	}
	cc, err := openVideoContext(codec, cfg)
	if err != nil {
		return nil, err
	}
	e := &VideoEncoder{cfg: cfg, name: cfg.Encoder, codec: codec, cc: cc, pkt: astiav.AllocPacket(), lastPTS: -1}
	e.bitrate.Store(int64(cfg.Bitrate))
	e.frame = astiav.AllocFrame()
	e.frame.SetWidth(cfg.Width)
	e.frame.SetHeight(cfg.Height)
	e.frame.SetPixelFormat(astiav.PixelFormatYuv420P)
	if err := e.frame.AllocBuffer(0); err != nil {
		e.Close()
		return nil, fmt.Errorf("video encoder %s: allocating frame: %v: %w", cfg.Encoder, err, ErrEncode)
	}
	e.info = media.StreamInfo{
		Kind: media.KindVideo, Codec: codec.ID().Name(), TimeBase: videoTimeBase,
		BitRate: int64(cfg.Bitrate), ExtraData: append([]byte(nil), cc.ExtraData()...),
		Width: cfg.Width, Height: cfg.Height, FrameRate: media.Rational{Num: cfg.FPS, Den: 1},
	}
	return e, nil
}

// openVideoContext configures and opens a codec context; the catalog uses it
// too, so "usable" means exactly what publishing will do.
func openVideoContext(codec *astiav.Codec, cfg VideoConfig) (*astiav.CodecContext, error) {
	if !supportsYUV420P(codec) {
		return nil, fmt.Errorf("video encoder %s: takes no yuv420p input (GPU-side or RGB frames only), which onair does not feed yet: %w", codec.Name(), ErrUnusable)
	}
	cc := astiav.AllocCodecContext(codec)
	if cc == nil {
		return nil, fmt.Errorf("video encoder %s: cannot allocate context: %w", codec.Name(), ErrUnusable)
	}
	cc.SetWidth(cfg.Width)
	cc.SetHeight(cfg.Height)
	cc.SetPixelFormat(astiav.PixelFormatYuv420P)
	cc.SetTimeBase(astiav.NewRational(videoTimeBase.Num, videoTimeBase.Den))
	cc.SetFramerate(astiav.NewRational(cfg.FPS, 1))
	cc.SetBitRate(int64(cfg.Bitrate))
	cc.SetGopSize(cfg.gopFrames())
	// Every container onair writes (FLV, Matroska, MP4) wants SPS/PPS or
	// their equivalent once, in the stream header.
	cc.SetFlags(cc.Flags().Add(astiav.CodecContextFlagGlobalHeader))
	if cfg.Threads > 0 {
		cc.SetThreadCount(cfg.Threads)
	}
	opts := videoOptions(codec.Name(), cfg)
	defer opts.Free()
	capture := avlog.Start()
	err := cc.Open(codec, opts)
	lines := capture.Stop()
	if err != nil {
		cc.Free()
		reason := avlog.Reason(lines)
		if reason == "" {
			reason = err.Error()
		}
		return nil, fmt.Errorf("video encoder %s: opening at %dx%d: %s: %w", codec.Name(), cfg.Width, cfg.Height, reason, ErrUnusable)
	}
	return cc, nil
}

func supportsYUV420P(c *astiav.Codec) bool {
	pfs := c.PixelFormats()
	if len(pfs) == 0 {
		return true // the encoder does not say: let Open decide
	}
	for _, pf := range pfs {
		if pf == astiav.PixelFormatYuv420P {
			return true
		}
	}
	return false
}

// videoOptions maps onair's settings onto each encoder family's own option
// names. Options an encoder does not know stay unused; FFmpeg ignores them.
func videoOptions(name string, cfg VideoConfig) *astiav.Dictionary {
	d := astiav.NewDictionary()
	set := func(k, v string) { _ = d.Set(k, v, 0) }
	rate := strconv.Itoa(cfg.Bitrate)
	switch {
	case name == "libsvtav1":
		// SVT-AV1's CBR needs its low-delay prediction structure; FFmpeg 5.1
		// cannot select it, so it runs capped VBR on the target bitrate.
	case cfg.RateControl == VBR:
		set("maxrate", strconv.Itoa(cfg.Bitrate*3/2))
		set("bufsize", strconv.Itoa(cfg.Bitrate*2))
	default: // CBR: a one-second buffer, as RTMP ingest guides ask.
		set("maxrate", rate)
		set("minrate", rate)
		set("bufsize", rate)
	}
	preset := cfg.Preset
	switch name {
	case "libx264", "libx264rgb":
		if preset == "" {
			preset = "veryfast"
		}
		set("preset", preset)
		if cfg.Tune != "" {
			set("tune", cfg.Tune)
		}
		if cfg.Profile != "" {
			set("profile", cfg.Profile)
		}
		set("forced-idr", "1") // a requested keyframe must be an IDR a new viewer can start on
		if cfg.RateControl != VBR {
			set("nal-hrd", "cbr")
		}
	case "libx265":
		if preset == "" {
			preset = "veryfast"
		}
		set("preset", preset)
		if cfg.Tune != "" {
			set("tune", cfg.Tune)
		}
		set("forced-idr", "1")
		set("x265-params", "log-level=error")
	case "libsvtav1":
		set("preset", strconv.Itoa(svtPreset(preset)))
	case "libaom-av1":
		set("usage", "realtime")
		set("cpu-used", "8")
		set("lag-in-frames", "0")
		set("row-mt", "1")
	case "librav1e":
		set("speed", "10")
	case "libvpx", "libvpx-vp9":
		set("deadline", "realtime")
		set("cpu-used", "8")
		set("lag-in-frames", "0")
		set("row-mt", "1")
		if cfg.RateControl != VBR {
			set("minrate", rate)
		}
	case "h264_nvenc", "hevc_nvenc", "av1_nvenc":
		set("preset", "p4")
		set("tune", "ll")
		set("zerolatency", "1")
		set("forced-idr", "1")
		if cfg.Profile != "" && name == "h264_nvenc" {
			set("profile", cfg.Profile)
		}
	}
	return d
}

// svtPreset maps x264 preset names onto SVT-AV1's 0 (slowest) .. 13 scale.
func svtPreset(p string) int {
	switch p {
	case "ultrafast", "superfast":
		return 12
	case "veryfast", "":
		return 10
	case "faster", "fast":
		return 8
	case "medium":
		return 6
	}
	return 4
}

// Name is the FFmpeg encoder in use (after "auto" resolved).
func (e *VideoEncoder) Name() string { return e.name }

// Info describes the encoded stream for muxers.
func (e *VideoEncoder) Info() media.StreamInfo { return e.info }

// RequestKeyframe makes the next encoded frame a keyframe (an IDR for H.264).
// Requests before that frame coalesce into one.
func (e *VideoEncoder) RequestKeyframe() { e.keyframe.Store(true) }

// SetTargetBitrate asks for a new bitrate from the next frame on, clamped to
// [5 %, 100 %] of the configured bitrate, which is the ceiling. The encoder
// is not reopened: libx264 reconfigures in place when the context's bit
// rate and VBV limits change; other encoders keep their first settings.
func (e *VideoEncoder) SetTargetBitrate(bps int) {
	lo, hi := int64(e.cfg.Bitrate)/20, int64(e.cfg.Bitrate)
	e.target.Store(min(max(int64(bps), lo), hi))
}

// Bitrate is the target bitrate in force now.
func (e *VideoEncoder) Bitrate() int64 { return e.bitrate.Load() }

// Encode sends one frame and returns the packets the encoder has ready,
// possibly none (encoders may hold frames). Packets are copies.
func (e *VideoEncoder) Encode(f *media.VideoFrame) ([]*media.Packet, error) {
	if e.flushed {
		return nil, fmt.Errorf("video encoder %s: encode after flush: %w", e.name, ErrEncode)
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	if err := makeWritable(e.frame); err != nil {
		return nil, fmt.Errorf("video encoder %s: %v: %w", e.name, err, ErrEncode)
	}
	if f.Format == media.PixelI420 && f.Width == e.cfg.Width && f.Height == e.cfg.Height {
		copyI420(e.frame, f)
	} else {
		if e.conv == nil || !e.conv.matches(f) {
			e.conv.Close()
			c, err := newConverter(f, e.cfg.Width, e.cfg.Height)
			if err != nil {
				return nil, fmt.Errorf("video encoder %s: %v: %w", e.name, err, ErrEncode)
			}
			e.conv = c
		}
		if err := e.conv.convert(f, e.frame); err != nil {
			return nil, fmt.Errorf("video encoder %s: converting %v %dx%d: %v: %w", e.name, f.Format, f.Width, f.Height, err, ErrEncode)
		}
	}
	pts := videoTimeBase.Ticks(f.PTS)
	if pts <= e.lastPTS { // encoders reject non-increasing PTS; capture jitter must not kill a stream
		pts = e.lastPTS + 1
	}
	e.lastPTS = pts
	e.frame.SetPts(pts)
	if e.keyframe.Swap(false) || !e.started {
		e.frame.SetPictureType(astiav.PictureTypeI)
	} else {
		e.frame.SetPictureType(astiav.PictureTypeNone)
	}
	e.started = true
	if t := e.target.Swap(0); t > 0 && t != e.bitrate.Load() {
		// Keep the configured shape: CBR caps at the target with a one-second
		// buffer, VBR at 1.5× with two seconds.
		if e.cfg.RateControl == VBR {
			setRate(e.cc, t, t*3/2, t*2)
		} else {
			setRate(e.cc, t, t, t)
		}
		e.bitrate.Store(t)
	}
	if err := e.cc.SendFrame(e.frame); err != nil {
		return nil, fmt.Errorf("video encoder %s: %v: %w", e.name, err, ErrEncode)
	}
	return e.drain()
}

// Flush drains the frames the encoder still holds. After it, Encode fails.
func (e *VideoEncoder) Flush() ([]*media.Packet, error) {
	if e.flushed {
		return nil, nil
	}
	e.flushed = true
	if err := e.cc.SendFrame(nil); err != nil && !errors.Is(err, astiav.ErrEof) {
		return nil, fmt.Errorf("video encoder %s: flush: %v: %w", e.name, err, ErrEncode)
	}
	return e.drain()
}

func (e *VideoEncoder) drain() ([]*media.Packet, error) {
	return drainPackets(e.cc, e.pkt, media.KindVideo, videoTimeBase, e.name)
}

func drainPackets(cc *astiav.CodecContext, pkt *astiav.Packet, kind media.Kind, tb media.Rational, name string) ([]*media.Packet, error) {
	var out []*media.Packet
	for {
		err := cc.ReceivePacket(pkt)
		if errors.Is(err, astiav.ErrEagain) || errors.Is(err, astiav.ErrEof) {
			return out, nil
		}
		if err != nil {
			return out, fmt.Errorf("%s encoder %s: %v: %w", kind, name, err, ErrEncode)
		}
		out = append(out, &media.Packet{
			Kind: kind, Data: append([]byte(nil), pkt.Data()...),
			Keyframe: pkt.Flags().Has(astiav.PacketFlagKey),
			PTS:      pkt.Pts(), DTS: pkt.Dts(), Duration: pkt.Duration(), TimeBase: tb,
		})
		pkt.Unref()
	}
}

// probeFrame encodes one black frame and flushes.
func (e *VideoEncoder) probeFrame() error {
	f := media.NewVideoFrame(media.PixelI420, e.cfg.Width, e.cfg.Height)
	for i := range f.Plane[0] {
		f.Plane[0][i] = 16
	}
	for i := 1; i < 3; i++ {
		for j := range f.Plane[i] {
			f.Plane[i][j] = 128
		}
	}
	first, err := e.Encode(f)
	if err != nil {
		return err
	}
	rest, err := e.Flush()
	if err == nil && len(first)+len(rest) == 0 {
		err = fmt.Errorf("video encoder %s: produced no packet for a frame: %w", e.name, ErrUnusable)
	}
	return err
}

// Close frees every native object once; later calls do nothing. An encoder
// that never saw a frame is fed one first: SVT-AV1 1.4 hangs freeing an
// encoder that never encoded.
func (e *VideoEncoder) Close() error {
	e.close.Do(func() {
		if e.cc != nil && !e.started && e.frame != nil {
			_ = e.probeFrame()
		} else if e.cc != nil && !e.flushed {
			_, _ = e.Flush()
		}
		e.conv.Close()
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

// copyI420 copies row by row because the two sides' strides differ.
func copyI420(dst *astiav.Frame, src *media.VideoFrame) {
	for i := 0; i < 3; i++ {
		rowBytes, rows := src.PlaneSize(i)
		ls := dst.Linesize()[i]
		d := planeBytes(dst, i, rows)
		s := src.Plane[i]
		for y := 0; y < rows; y++ {
			copy(d[y*ls:y*ls+rowBytes], s[y*src.Stride[i]:y*src.Stride[i]+rowBytes])
		}
	}
}
