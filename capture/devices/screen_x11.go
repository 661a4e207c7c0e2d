//go:build linux

package devices

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"sync"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"

	"github.com/onair-dev/onair/capture"
	"github.com/onair-dev/onair/media"
)

// mediadevices' X11 driver grabs the screen through XShm. Where the X
// server cannot attach the client's shared memory (containers, sandboxes,
// remote displays) every grab silently comes back black. onair reads the
// root window with a plain GetImage over the X protocol (jezek/xgb, pure
// Go) instead: one copy per frame, correct everywhere X works.

// x11Screen is a capture.Source of the X11 root window.
type x11Screen struct {
	conn    *xgb.Conn
	root    xproto.Window
	w, h    int
	depth   byte
	fps     int
	clock   media.Clock
	name    string
	stop    chan struct{}
	once    sync.Once
	running sync.Mutex
	seq     uint64
}

func init() {
	// xgb logs "no authority info" to the standard logger on every connect.
	xgb.Logger = log.New(io.Discard, "", 0)
}

func openX11Screen(fps int, cfg config) (capture.Source, error) {
	disp := os.Getenv("DISPLAY")
	if disp == "" {
		return nil, noDevice(KindScreen, "", "an X11 display ($DISPLAY is not set)")
	}
	conn, err := xgb.NewConnDisplay(disp)
	if err != nil {
		return nil, noDevice(KindScreen, disp, "the X11 display "+disp+": "+err.Error())
	}
	scr := xproto.Setup(conn).DefaultScreen(conn)
	s := &x11Screen{conn: conn, root: scr.Root, w: int(scr.WidthInPixels) &^ 1, h: int(scr.HeightInPixels) &^ 1,
		depth: scr.RootDepth, fps: fps, clock: cfg.clock, name: "screen X11 " + disp, stop: make(chan struct{})}
	if s.depth != 24 && s.depth != 32 {
		conn.Close()
		return nil, fmt.Errorf("devices: %s has a %d-bit display, want 24 or 32-bit true colour: %w", s.name, s.depth, ErrUnsupportedFormat)
	}
	return s, nil
}

func (s *x11Screen) Info() capture.Info {
	return capture.Info{Name: s.name, Live: true, Video: &capture.VideoInfo{
		Format: media.PixelI420, Width: s.w, Height: s.h, FrameRate: media.Rational{Num: s.fps, Den: 1}}}
}

// grab reads the root window (BGRX in 32-bit units on little-endian servers).
func (s *x11Screen) grab() (*media.VideoFrame, error) {
	r, err := xproto.GetImage(s.conn, xproto.ImageFormatZPixmap, xproto.Drawable(s.root), 0, 0,
		uint16(s.w), uint16(s.h), 0xffffffff).Reply()
	if err != nil {
		return nil, fmt.Errorf("devices: %s: %w", s.name, err)
	}
	if len(r.Data) < s.w*s.h*4 {
		return nil, fmt.Errorf("devices: %s: %d bytes for %dx%d, want 32 bits per pixel: %w", s.name, len(r.Data), s.w, s.h, ErrUnsupportedFormat)
	}
	f := media.NewVideoFrame(media.PixelI420, s.w, s.h)
	rgbToI420(f, s.w, s.h, func(x, y int) (int, int, int) {
		p := r.Data[(y*s.w+x)*4:]
		return int(p[2]), int(p[1]), int(p[0])
	})
	return f, nil
}

func (s *x11Screen) Run(ctx context.Context, video chan<- *media.VideoFrame, _ chan<- *media.AudioFrame) error {
	if !s.running.TryLock() {
		return fmt.Errorf("devices: %s: Run called twice: %w", s.name, ErrDeviceBusy)
	}
	defer s.running.Unlock()
	select {
	case <-s.stop:
		return ErrClosed
	default:
	}
	t := time.NewTicker(time.Second / time.Duration(max(1, s.fps)))
	defer t.Stop()
	var last time.Duration = -1
	for {
		f, err := s.grab()
		if err != nil {
			return err
		}
		f.PTS = s.clock.Now()
		if f.PTS <= last {
			f.PTS = last + 1
		}
		last = f.PTS
		f.Seq = s.seq
		s.seq++
		if video != nil {
			select {
			case video <- f:
			case <-ctx.Done():
				return nil
			case <-s.stop:
				return nil
			}
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return nil
		case <-s.stop:
			return nil
		}
	}
}

// Close stops Run, waits for it and closes the X connection; idempotent.
func (s *x11Screen) Close() error {
	s.once.Do(func() {
		close(s.stop)
		s.running.Lock() // Run has returned
		s.running.Unlock()
		s.conn.Close()
	})
	return nil
}
