package rtc

import (
	"testing"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
)

func TestPlayoutDelayMarksVideoOnlyAndLeavesTheSharedHeader(t *testing.T) {
	f := playoutDelayFactory{}
	ic, err := f.NewInterceptor("")
	if err != nil {
		t.Fatal(err)
	}
	var got *rtp.Header
	sink := interceptor.RTPWriterFunc(func(h *rtp.Header, _ []byte, _ interceptor.Attributes) (int, error) {
		got = h
		return 0, nil
	})
	exts := []interceptor.RTPHeaderExtension{{URI: PlayoutDelayURI, ID: 7}}
	w := ic.BindLocalStream(&interceptor.StreamInfo{MimeType: "video/H264", RTPHeaderExtensions: exts}, sink)
	orig := &rtp.Header{Version: 2, SSRC: 1, SequenceNumber: 9}
	if _, err := w.Write(orig, []byte{1}, nil); err != nil {
		t.Fatal(err)
	}
	if ext := got.GetExtension(7); len(ext) != 3 || ext[0]|ext[1]|ext[2] != 0 {
		t.Fatalf("playout-delay extension %v, want 3 zero bytes", ext)
	}
	if orig.GetExtension(7) != nil {
		t.Fatal("the caller's header was changed: other viewers share it")
	}

	audio := ic.BindLocalStream(&interceptor.StreamInfo{MimeType: "audio/opus", RTPHeaderExtensions: exts}, sink)
	audio.Write(&rtp.Header{Version: 2}, nil, nil)
	if got.GetExtension(7) != nil {
		t.Fatal("audio marked")
	}
	none := ic.BindLocalStream(&interceptor.StreamInfo{MimeType: "video/VP8"}, sink)
	none.Write(&rtp.Header{Version: 2}, nil, nil)
	if got.Extension {
		t.Fatal("marked without negotiation")
	}
}
