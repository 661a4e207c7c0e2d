package stream_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/onair-dev/onair/internal/testenv"
	"github.com/onair-dev/onair/stream"
)

func whipOpts() stream.WHIPOptions {
	return stream.WHIPOptions{Token: whipToken, Timeout: 3 * time.Second, ICETimeout: 2 * time.Second}
}

// fixedEndpoint answers every POST with status, headers and body.
func fixedEndpoint(t *testing.T, status int, location, body string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/sdp")
		if location != "" {
			w.Header().Set("Location", location)
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/whip"
}

func TestWHIPConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	err, took := whipOpen(t, "http://"+addr+"/whip", whipOpts(), 5*time.Second)
	wantErr(t, err, stream.ErrConnect)
	if took > 3*time.Second {
		t.Errorf("refused connection took %v", took)
	}
}

func TestWHIPUnauthorized(t *testing.T) {
	for _, code := range []int{http.StatusUnauthorized, http.StatusForbidden} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			err, _ := whipOpen(t, fixedEndpoint(t, code, "", "bad token "+whipToken+"\n"), whipOpts(), 5*time.Second)
			wantErr(t, err, stream.ErrUnauthorized)
			if !strings.Contains(err.Error(), "check the token") {
				t.Errorf("error %q does not say to check the token", err)
			}
		})
	}
}

func TestWHIPHTTPStatusErrors(t *testing.T) {
	for _, c := range []struct {
		name     string
		status   int
		location string
		body     string
		want     error
	}{
		{"404", http.StatusNotFound, "", "no such endpoint", stream.ErrNotFound},
		{"500", http.StatusInternalServerError, "", "boom", stream.ErrServer},
		{"503", http.StatusServiceUnavailable, "", "busy", stream.ErrServer},
		{"201 without Location", http.StatusCreated, "", "v=0\r\n", stream.ErrProtocol},
		{"200 instead of 201", http.StatusOK, "/whip/1", "v=0\r\n", stream.ErrProtocol},
		{"garbage body", http.StatusCreated, "/whip/1", "\x00\x01hello, this is not SDP", stream.ErrBadAnswer},
		{"SDP without m=", http.StatusCreated, "/whip/1", "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n", stream.ErrBadAnswer},
		{"SDP without rtpmap", http.StatusCreated, "/whip/1",
			"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 102\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=recvonly\r\n",
			stream.ErrBadAnswer},
	} {
		t.Run(c.name, func(t *testing.T) {
			err, _ := whipOpen(t, fixedEndpoint(t, c.status, c.location, c.body), whipOpts(), 5*time.Second)
			wantErr(t, err, c.want)
		})
	}
}

// TestWHIPNoCommonCodec answers with a real pion answer whose payload
// types and codec names are ones the offer never had.
func TestWHIPNoCommonCodec(t *testing.T) {
	pt := regexp.MustCompile(`(?m)^(m=(?:video|audio) \d+ [A-Z/]+)( \d+)+\r?$`)
	for _, spoil := range []string{"video+audio", "video", "audio"} {
		t.Run(spoil, func(t *testing.T) {
			a := newAnswerer(t, func(a *answerer) {
				a.closeAfterAnswer = true
				a.rewrite = func(sdp string) string {
					var out []string
					kind := ""
					for _, line := range strings.Split(sdp, "\r\n") {
						switch {
						case strings.HasPrefix(line, "m=video"):
							kind = "video"
						case strings.HasPrefix(line, "m=audio"):
							kind = "audio"
						}
						if !strings.Contains(spoil, kind) || kind == "" {
							out = append(out, line)
							continue
						}
						switch {
						case strings.HasPrefix(line, "m=video"):
							line = pt.ReplaceAllString(line, "$1 98")
						case strings.HasPrefix(line, "m=audio"):
							line = pt.ReplaceAllString(line, "$1 0")
						case strings.HasPrefix(line, "a=rtpmap:"), strings.HasPrefix(line, "a=fmtp:"), strings.HasPrefix(line, "a=rtcp-fb:"):
							continue
						case strings.HasPrefix(line, "a=mid:"):
							out = append(out, line)
							if kind == "video" {
								line = "a=rtpmap:98 VP9/90000"
							} else {
								line = "a=rtpmap:0 PCMU/8000"
							}
						}
						out = append(out, line)
					}
					return strings.Join(out, "\r\n")
				}
			})
			err, _ := whipOpen(t, a.url(), whipOpts(), 8*time.Second)
			t.Logf("%s: %v", spoil, err)
			wantErr(t, err, stream.ErrNoCommonCodec)
			if !waitFor(2*time.Second, func() bool { a.mu.Lock(); defer a.mu.Unlock(); return a.deletes == 1 }) {
				t.Errorf("the refused session was not DELETEd")
			}
		})
	}
}

// TestWHIPICENeverConnects gets a real answer whose candidates point at a
// UDP port that was closed right after answering.
func TestWHIPICENeverConnects(t *testing.T) {
	a := newAnswerer(t, func(a *answerer) { a.closeAfterAnswer = true })
	err, took := whipOpen(t, a.url(), whipOpts(), 8*time.Second)
	wantErr(t, err, stream.ErrICE)
	if took > 4*time.Second || took < 1900*time.Millisecond {
		t.Errorf("ICE failure after %v, want ~2 s (ICETimeout)", took)
	}
	if !waitFor(2*time.Second, func() bool { a.mu.Lock(); defer a.mu.Unlock(); return a.deletes == 1 }) {
		t.Errorf("the failed session was not DELETEd (%d deletes)", a.deletes)
	}
}

// TestWHIPICENoCandidates strips every candidate from the answer.
func TestWHIPICENoCandidates(t *testing.T) {
	a := newAnswerer(t, func(a *answerer) {
		a.closeAfterAnswer = true
		a.rewrite = func(sdp string) string {
			var out []string
			for _, line := range strings.Split(sdp, "\r\n") {
				if !strings.HasPrefix(line, "a=candidate:") {
					out = append(out, line)
				}
			}
			return strings.Join(out, "\r\n")
		}
	})
	err, took := whipOpen(t, a.url(), whipOpts(), 8*time.Second)
	wantErr(t, err, stream.ErrICE)
	if took > 4*time.Second {
		t.Errorf("ICE failure after %v, want ~2 s", took)
	}
}

// TestWHIPServerNeverAnswers accepts TCP and never sends a byte.
func TestWHIPServerNeverAnswers(t *testing.T) {
	addr := testenv.SilentServer(t)
	opts := whipOpts()
	opts.Timeout = 1500 * time.Millisecond
	err, took := whipOpen(t, "http://"+addr+"/whip", opts, 5*time.Second)
	wantErr(t, err, stream.ErrTimeout)
	if took < 1400*time.Millisecond || took > 3*time.Second {
		t.Errorf("timeout after %v, want ~1.5 s", took)
	}
}

func TestWHIPBadURL(t *testing.T) {
	for _, u := range []string{"", "rtmp://host/whip", "http:///whip", "whip.example.com/whip"} {
		w, err := stream.NewWHIP(u, whipOpts())
		if w != nil {
			w.Close()
		}
		wantErr(t, err, stream.ErrBadURL)
	}
}
