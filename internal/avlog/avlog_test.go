package avlog

import (
	"strings"
	"testing"
)

func TestRedactHidesKeysAndCredentials(t *testing.T) {
	cases := map[string]string{
		"rtmp://live.example.com/app/sk_live_12345":       "rtmp://live.example.com/…",
		"failed to open rtmps://a.b:443/live2/SECRET now": "failed to open rtmps://a.b:443/… now",
		"https://user:pass@whip.example/whip?token=abc":   "https://…@whip.example/…",
		"no url here":           "no url here",
		"rtmp://127.0.0.1:1935": "rtmp://127.0.0.1:1935",
	}
	for in, want := range cases {
		got := Redact(in)
		if got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
		for _, secret := range []string{"sk_live_12345", "SECRET", "pass", "abc"} {
			if strings.Contains(in, secret) && strings.Contains(got, secret) {
				t.Errorf("secret %q survived in %q", secret, got)
			}
		}
	}
}

func TestReasonDeduplicatesAndBounds(t *testing.T) {
	r := Reason([]string{"a", "b", "a"})
	if r != "a; b" {
		t.Fatalf("got %q", r)
	}
	if long := Reason([]string{strings.Repeat("x", 1000)}); len(long) > 310 {
		t.Fatalf("reason not bounded: %d", len(long))
	}
}
