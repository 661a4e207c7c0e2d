package rtc

import (
	"fmt"
	"strings"
)

// SDPFrag is the part of an SDP that trickle ICE and ICE restarts exchange
// (RFC 8840, used by WHIP's PATCH, RFC 9725 §4.3): credentials and
// candidates. onair bundles everything on one transport, so one set holds.
type SDPFrag struct {
	Ufrag, Pwd string
	Candidates []string // "candidate:…" attribute values
	Mid        string
	MLine      string // the first m= line, which RFC 8840 repeats
}

// FragFromSDP takes the ICE part of a full session description.
func FragFromSDP(sdp string) SDPFrag {
	var f SDPFrag
	for _, raw := range strings.Split(sdp, "\n") {
		l := strings.TrimSpace(raw)
		switch {
		case strings.HasPrefix(l, "m=") && f.MLine == "":
			f.MLine = l
		case strings.HasPrefix(l, "a=ice-ufrag:") && f.Ufrag == "":
			f.Ufrag = strings.TrimPrefix(l, "a=ice-ufrag:")
		case strings.HasPrefix(l, "a=ice-pwd:") && f.Pwd == "":
			f.Pwd = strings.TrimPrefix(l, "a=ice-pwd:")
		case strings.HasPrefix(l, "a=mid:") && f.Mid == "":
			f.Mid = strings.TrimPrefix(l, "a=mid:")
		case strings.HasPrefix(l, "a=candidate:"):
			c := strings.TrimPrefix(l, "a=")
			if !contains(f.Candidates, c) { // the same candidates repeat per m-line
				f.Candidates = append(f.Candidates, c)
			}
		}
	}
	return f
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// ParseSDPFrag reads an application/trickle-ice-sdpfrag body.
func ParseSDPFrag(body string) (SDPFrag, error) {
	f := FragFromSDP(body)
	if f.Ufrag == "" && len(f.Candidates) == 0 {
		return f, fmt.Errorf("sdpfrag has neither ICE credentials nor candidates")
	}
	if (f.Ufrag == "") != (f.Pwd == "") {
		return f, fmt.Errorf("sdpfrag has ice-ufrag without ice-pwd or the reverse")
	}
	return f, nil
}

// Marshal writes the fragment as RFC 8840 text.
func (f SDPFrag) Marshal() string {
	var b strings.Builder
	if f.MLine != "" {
		b.WriteString(f.MLine + "\r\n")
	}
	if f.Mid != "" {
		b.WriteString("a=mid:" + f.Mid + "\r\n")
	}
	if f.Ufrag != "" {
		b.WriteString("a=ice-ufrag:" + f.Ufrag + "\r\na=ice-pwd:" + f.Pwd + "\r\n")
	}
	for _, c := range f.Candidates {
		b.WriteString("a=" + c + "\r\n")
	}
	b.WriteString("a=end-of-candidates\r\n")
	return b.String()
}

// ApplyFrag returns sdp with f's credentials and candidates in place of its
// own, in every media section: how a peer's ICE restart is turned back into a
// full description for SetRemoteDescription.
func ApplyFrag(sdp string, f SDPFrag) string {
	lines := strings.Split(strings.ReplaceAll(sdp, "\r\n", "\n"), "\n")
	var out []string
	inMedia := false
	flush := func() {
		for _, c := range f.Candidates {
			out = append(out, "a="+c)
		}
		out = append(out, "a=end-of-candidates")
	}
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "m="):
			if inMedia {
				flush()
			}
			inMedia = true
			out = append(out, l)
		case strings.HasPrefix(l, "a=ice-ufrag:") && f.Ufrag != "":
			out = append(out, "a=ice-ufrag:"+f.Ufrag)
		case strings.HasPrefix(l, "a=ice-pwd:") && f.Pwd != "":
			out = append(out, "a=ice-pwd:"+f.Pwd)
		case strings.HasPrefix(l, "a=candidate:"), l == "a=end-of-candidates":
			// replaced at the end of the section
		case l == "":
		default:
			out = append(out, l)
		}
	}
	if inMedia {
		flush()
	}
	return strings.Join(out, "\r\n") + "\r\n"
}
