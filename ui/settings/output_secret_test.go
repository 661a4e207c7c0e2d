package settings

import (
	"strings"
	"testing"
)

func TestSplitJoinRTMP(t *testing.T) {
	for _, c := range []struct{ full, server, key string }{
		{"rtmp://live.example.com/app/abc-123", "rtmp://live.example.com/app", "abc-123"},
		{"rtmps://h.example:443/rtmp/FB-1?s_bl=1&a=b", "rtmps://h.example:443/rtmp", "FB-1?s_bl=1&a=b"},
		{"rtmp://127.0.0.1:1935/live/nested/key", "rtmp://127.0.0.1:1935/live", "nested/key"},
		{"rtmp://h/app", "rtmp://h/app", ""},
		{"rtmp://h", "rtmp://h", ""},
		{"  rtmp://h/app/k  ", "rtmp://h/app", "k"},
	} {
		server, key := SplitRTMP(c.full)
		if server != c.server || key != c.key {
			t.Errorf("SplitRTMP(%q) = %q, %q; want %q, %q", c.full, server, key, c.server, c.key)
		}
		if c.key != "" {
			if got, want := JoinRTMP(server, key), strings.TrimSpace(c.full); got != want {
				t.Errorf("JoinRTMP(%q, %q) = %q, want %q", server, key, got, want)
			}
		}
	}
	// A server typed with a trailing slash (as some services show it).
	if got := JoinRTMP("rtmps://h:443/rtmp/", "k"); got != "rtmps://h:443/rtmp/k" {
		t.Errorf("JoinRTMP with trailing slash = %q", got)
	}
	if got := JoinRTMP("rtmp://h/app", ""); got != "rtmp://h/app" {
		t.Errorf("JoinRTMP without key = %q", got)
	}
}
