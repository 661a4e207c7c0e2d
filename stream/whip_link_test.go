package stream

import (
	"net/http"
	"testing"
)

func TestICEServersFromLinkHeaders(t *testing.T) {
	h := http.Header{}
	h.Add("Link", `<stun:stun.example.net>; rel="ice-server"`)
	h.Add("Link", `<turn:turn.example.net?transport=udp>; rel="ice-server"; username="user"; credential="pa,ss"; credential-type="password", <https://example.net/doc>; rel="help"`)
	got := iceServersFromLinks(h)
	if len(got) != 2 {
		t.Fatalf("got %d servers: %+v", len(got), got)
	}
	if got[0].URLs[0] != "stun:stun.example.net" || got[0].Username != "" {
		t.Fatalf("stun: %+v", got[0])
	}
	if got[1].URLs[0] != "turn:turn.example.net?transport=udp" || got[1].Username != "user" || got[1].Credential != "pa,ss" {
		t.Fatalf("turn: %+v", got[1])
	}
	if n := len(iceServersFromLinks(http.Header{"Link": {`<https://x>; rel="next"`}})); n != 0 {
		t.Fatalf("non-ICE link taken: %d", n)
	}
}
