package rtc

import (
	"strings"
	"testing"
)

const twoSectionSDP = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n" +
	"m=video 9 UDP/TLS/RTP/SAVPF 102\r\na=mid:0\r\na=ice-ufrag:old\r\na=ice-pwd:oldpwd\r\n" +
	"a=rtpmap:102 H264/90000\r\na=candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host\r\na=end-of-candidates\r\n" +
	"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:1\r\na=ice-ufrag:old\r\na=ice-pwd:oldpwd\r\n" +
	"a=rtpmap:111 opus/48000/2\r\na=candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host\r\n"

func TestSDPFragRoundTrip(t *testing.T) {
	f := FragFromSDP(twoSectionSDP)
	if f.Ufrag != "old" || f.Pwd != "oldpwd" || len(f.Candidates) != 1 || f.Mid != "0" || !strings.HasPrefix(f.MLine, "m=video") {
		t.Fatalf("frag %+v", f)
	}
	g, err := ParseSDPFrag(f.Marshal())
	if err != nil || g.Ufrag != f.Ufrag || g.Pwd != f.Pwd || len(g.Candidates) != 1 {
		t.Fatalf("round trip %+v %v", g, err)
	}
	if _, err := ParseSDPFrag("a=ice-ufrag:x\r\n"); err == nil {
		t.Fatal("ufrag without pwd accepted")
	}
	if _, err := ParseSDPFrag("nonsense"); err == nil {
		t.Fatal("empty frag accepted")
	}
}

func TestApplyFragReplacesCredentialsAndCandidatesEverywhere(t *testing.T) {
	n := ApplyFrag(twoSectionSDP, SDPFrag{Ufrag: "new", Pwd: "newpwd",
		Candidates: []string{"candidate:2 1 udp 2130706431 127.0.0.1 6000 typ host"}})
	if strings.Contains(n, "old") || strings.Count(n, "a=ice-ufrag:new") != 2 || strings.Count(n, "a=ice-pwd:newpwd") != 2 {
		t.Fatalf("credentials not replaced:\n%s", n)
	}
	if strings.Contains(n, " 5000 ") || strings.Count(n, " 6000 typ host") != 2 || strings.Count(n, "a=end-of-candidates") != 2 {
		t.Fatalf("candidates not replaced:\n%s", n)
	}
	if !strings.Contains(n, "a=rtpmap:111 opus/48000/2") {
		t.Fatalf("other lines lost:\n%s", n)
	}
}
