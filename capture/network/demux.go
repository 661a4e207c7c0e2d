package network

import (
	"errors"
	"fmt"
	"strconv"
	"unsafe"

	"github.com/asticode/go-astiav"

	"github.com/onair-dev/onair/media"
)

// demuxer is one open of the input. It owns every native object made for
// it and frees each exactly once in free. Only the goroutine that opened it
// (New, then Run) touches it, except Interrupt, which Source guards.
type demuxer struct {
	fc     *astiav.FormatContext
	intr   astiav.IOInterrupter
	opened bool
	freed  bool

	vIdx, aIdx int
	vStream    *astiav.Stream
	aStream    *astiav.Stream
	vDec, aDec *astiav.CodecContext
	pkt        *astiav.Packet
	frame      *astiav.Frame

	// video conversion
	sws        *astiav.SoftwareScaleContext
	swsW, swsH int
	swsFmt     astiav.PixelFormat
	dst        *astiav.Frame
	dstFmt     astiav.PixelFormat

	// audio conversion
	graph     *astiav.FilterGraph
	src, sink *astiav.FilterContext
	afr       *astiav.Frame
}

func (d *demuxer) free() {
	if d == nil || d.freed {
		return
	}
	d.freed = true
	if d.graph != nil {
		d.graph.Free() // frees its filter contexts too
	}
	if d.afr != nil {
		d.afr.Free()
	}
	if d.sws != nil {
		d.sws.Free()
	}
	if d.dst != nil {
		d.dst.Free()
	}
	if d.frame != nil {
		d.frame.Free()
	}
	if d.pkt != nil {
		d.pkt.Free()
	}
	if d.vDec != nil {
		d.vDec.Free()
	}
	if d.aDec != nil {
		d.aDec.Free()
	}
	if d.fc != nil {
		if d.opened {
			d.fc.CloseInput()
		}
		d.fc.Free()
	}
}

func openDecoder(s *astiav.Stream) (*astiav.CodecContext, error) {
	cp := s.CodecParameters()
	codec := astiav.FindDecoder(cp.CodecID())
	if codec == nil {
		return nil, fmt.Errorf("no decoder for %s", cp.CodecID().Name())
	}
	cc := astiav.AllocCodecContext(codec)
	if cc == nil {
		return nil, errors.New("out of memory")
	}
	if err := cp.ToCodecContext(cc); err != nil {
		cc.Free()
		return nil, err
	}
	cc.SetTimeBase(s.TimeBase())
	if err := cc.Open(codec, nil); err != nil {
		cc.Free()
		return nil, err
	}
	return cc, nil
}

// setupStreams picks the first video and audio stream and opens decoders.
func (d *demuxer) setupStreams() error {
	d.vIdx, d.aIdx = -1, -1
	for _, s := range d.fc.Streams() {
		switch s.CodecParameters().MediaType() {
		case astiav.MediaTypeVideo:
			if d.vIdx < 0 && astiav.FindDecoder(s.CodecParameters().CodecID()) != nil {
				d.vIdx, d.vStream = s.Index(), s
			}
		case astiav.MediaTypeAudio:
			if d.aIdx < 0 && astiav.FindDecoder(s.CodecParameters().CodecID()) != nil {
				d.aIdx, d.aStream = s.Index(), s
			}
		}
	}
	if d.vIdx < 0 && d.aIdx < 0 {
		return ErrNoStreams
	}
	var err error
	if d.vStream != nil {
		if d.vDec, err = openDecoder(d.vStream); err != nil {
			return fmt.Errorf("video decoder: %w", err)
		}
	}
	if d.aStream != nil {
		if d.aDec, err = openDecoder(d.aStream); err != nil {
			return fmt.Errorf("audio decoder: %w", err)
		}
	}
	d.pkt = astiav.AllocPacket()
	d.frame = astiav.AllocFrame()
	d.afr = astiav.AllocFrame()
	if d.pkt == nil || d.frame == nil || d.afr == nil {
		return errors.New("out of memory")
	}
	return nil
}

// convertVideo scales f to the wanted format and copies it into a tightly
// packed media.VideoFrame.
func (d *demuxer) convertVideo(f *astiav.Frame, want media.PixelFormat) (*media.VideoFrame, error) {
	w, h, pf := f.Width(), f.Height(), f.PixelFormat()
	if want == media.PixelI420 && pf == astiav.PixelFormatYuv420P {
		// Already what onair wants: one copy out of FFmpeg, no swscale pass.
		return frameFromBuffer(f, want, w, h)
	}
	dstFmt := astiav.PixelFormatYuv420P
	if want == media.PixelRGB24 {
		dstFmt = astiav.PixelFormatRgb24
	}
	if d.sws == nil || w != d.swsW || h != d.swsH || pf != d.swsFmt || dstFmt != d.dstFmt {
		if d.sws != nil {
			d.sws.Free()
			d.sws = nil
		}
		if d.dst != nil {
			d.dst.Free()
			d.dst = nil
		}
		sws, err := astiav.CreateSoftwareScaleContext(w, h, pf, w, h, dstFmt,
			astiav.NewSoftwareScaleContextFlags(astiav.SoftwareScaleContextFlagBilinear))
		if err != nil {
			return nil, fmt.Errorf("swscale %dx%d %s: %w", w, h, pf, err)
		}
		d.sws, d.swsW, d.swsH, d.swsFmt, d.dstFmt = sws, w, h, pf, dstFmt
		d.dst = astiav.AllocFrame()
		if d.dst == nil {
			return nil, errors.New("out of memory")
		}
		d.dst.SetWidth(w)
		d.dst.SetHeight(h)
		d.dst.SetPixelFormat(dstFmt)
		if err := d.dst.AllocBuffer(0); err != nil {
			return nil, fmt.Errorf("frame buffer: %w", err)
		}
	}
	if err := d.sws.ScaleFrame(f, d.dst); err != nil {
		return nil, fmt.Errorf("swscale: %w", err)
	}
	return frameFromBuffer(d.dst, want, w, h)
}

// frameFromBuffer copies a decoded picture into a tightly packed VideoFrame.
func frameFromBuffer(src *astiav.Frame, want media.PixelFormat, w, h int) (*media.VideoFrame, error) {
	n, err := src.ImageBufferSize(1)
	if err != nil {
		return nil, err
	}
	buf := make([]byte, n)
	if _, err := src.ImageCopyToBuffer(buf, 1); err != nil {
		return nil, err
	}
	vf := &media.VideoFrame{Format: want, Width: w, Height: h}
	if want == media.PixelI420 {
		cw, ch := (w+1)/2, (h+1)/2
		y, c := w*h, cw*ch
		if len(buf) < y+2*c {
			return nil, fmt.Errorf("i420 buffer %d bytes, want %d", len(buf), y+2*c)
		}
		vf.Stride = [3]int{w, cw, cw}
		vf.Plane[0] = buf[:y:y]
		vf.Plane[1] = buf[y : y+c : y+c]
		vf.Plane[2] = buf[y+c : y+2*c : y+2*c]
	} else {
		vf.Stride[0] = w * 3
		vf.Plane[0] = buf[: w*3*h : w*3*h]
	}
	return vf, nil
}

// setupAudio builds abuffer → aresample → aformat → abuffersink for frames like f.
func (d *demuxer) setupAudio(f *astiav.Frame) error {
	g := astiav.AllocFilterGraph()
	if g == nil {
		return errors.New("out of memory")
	}
	d.graph = g
	layout := f.ChannelLayout()
	if !layout.Valid() || layout.NbChannels() == 0 {
		layout = d.aDec.ChannelLayout()
	}
	tb := d.aStream.TimeBase()
	var err error
	args := astiav.FilterArgs{
		"sample_fmt":     f.SampleFormat().Name(),
		"sample_rate":    strconv.Itoa(f.SampleRate()),
		"channel_layout": layout.String(),
		"time_base":      tb.String(),
	}
	if d.src, err = g.NewFilterContext(astiav.FindFilterByName("abuffer"), "in", args); err != nil {
		return fmt.Errorf("abuffer %v: %w", args, err)
	}
	if d.sink, err = g.NewFilterContext(astiav.FindFilterByName("abuffersink"), "out", nil); err != nil {
		return fmt.Errorf("abuffersink: %w", err)
	}
	outputs := astiav.AllocFilterInOut()
	inputs := astiav.AllocFilterInOut()
	defer outputs.Free()
	defer inputs.Free()
	outputs.SetName("in")
	outputs.SetFilterContext(d.src)
	outputs.SetPadIdx(0)
	outputs.SetNext(nil)
	inputs.SetName("out")
	inputs.SetFilterContext(d.sink)
	inputs.SetPadIdx(0)
	inputs.SetNext(nil)
	if err := g.Parse("aresample=48000,aformat=sample_fmts=s16:channel_layouts=stereo", inputs, outputs); err != nil {
		return fmt.Errorf("audio filter: %w", err)
	}
	if err := g.Configure(); err != nil {
		return fmt.Errorf("audio filter: %w", err)
	}
	return nil
}

// audioBytes copies the packed S16 stereo samples of a filtered frame.
func audioBytes(f *astiav.Frame) []byte {
	n := f.NbSamples() * 2 * 2
	if n <= 0 {
		return nil
	}
	// AVFrame begins with uint8_t *data[8]: data[0] holds packed samples.
	p := *(**byte)(f.UnsafePointer())
	if p == nil {
		return nil
	}
	out := make([]byte, n)
	copy(out, unsafe.Slice(p, n))
	return out
}
