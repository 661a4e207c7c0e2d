package stream

import (
	"net/http"
	"strings"

	"github.com/pion/webrtc/v4"
)

// iceServersFromLinks reads RFC 9725 §4.6 Link headers:
//
//	Link: <stun:stun.example.net>; rel="ice-server"
//	Link: <turn:turn.example.net?transport=udp>; rel="ice-server"; username="u"; credential="p"; credential-type="password"
//
// onair gathers its candidates before the POST, so these servers are used
// from the next session on (a reconnect after the server dropped this one).
func iceServersFromLinks(h http.Header) []webrtc.ICEServer {
	var out []webrtc.ICEServer
	for _, line := range h.Values("Link") {
		for _, link := range splitLinks(line) {
			parts := strings.Split(link, ";")
			target := strings.TrimSpace(parts[0])
			if !strings.HasPrefix(target, "<") || !strings.HasSuffix(target, ">") {
				continue
			}
			srv := webrtc.ICEServer{URLs: []string{strings.Trim(target, "<>")}}
			isICE := false
			for _, p := range parts[1:] {
				k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
				v = strings.Trim(v, `"`)
				switch strings.ToLower(k) {
				case "rel":
					isICE = strings.EqualFold(v, "ice-server")
				case "username":
					srv.Username = v
				case "credential":
					srv.Credential = v
				}
			}
			if isICE {
				out = append(out, srv)
			}
		}
	}
	return out
}

// splitLinks splits one Link header value at the commas between links,
// not those inside <…> or quotes.
func splitLinks(s string) []string {
	var out []string
	depth, quoted, start := 0, false, 0
	for i, r := range s {
		switch {
		case r == '"':
			quoted = !quoted
		case r == '<' && !quoted:
			depth++
		case r == '>' && !quoted:
			depth--
		case r == ',' && !quoted && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}
