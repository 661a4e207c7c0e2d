package stream_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onair-dev/onair/stream"
	"github.com/onair-dev/onair/stream/server"
)

// localServer starts the built-in server on loopback with the test token
// and a recording reverse proxy in front of it. The sink talks to the proxy.
func localServer(t *testing.T) (*server.Server, *recorder, string) {
	t.Helper()
	srv, err := server.Start(server.Config{Addr: "127.0.0.1:0", Token: whipToken})
	if err != nil {
		t.Fatal(err)
	}
	target, _ := url.Parse(srv.URL())
	rec := &recorder{next: httputil.NewSingleHostReverseProxy(target)}
	front := httptest.NewServer(rec)
	t.Cleanup(func() {
		front.Close()
		srv.Close()
	})
	return srv, rec, front.URL + "/whip"
}

func videoPackets(st server.Status) uint64 {
	for _, tr := range st.Tracks {
		if tr.Kind == "video" {
			return tr.Packets
		}
	}
	return 0
}

// TestWHIPRequestShapeAndCloseDeletes checks the POST (bearer token,
// application/sdp), that media reaches the real server, and that Close
// sends DELETE to the Location the server gave.
func TestWHIPRequestShapeAndCloseDeletes(t *testing.T) {
	srv, rec, endpoint := localServer(t)
	c := whipClip(t)
	w, err := stream.NewWHIP(endpoint, stream.WHIPOptions{Token: whipToken, Timeout: 3 * time.Second, ICETimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	openErr := make(chan error, 1)
	go func() { openErr <- w.Open(context.Background(), c.streams) }()
	select {
	case err := <-openErr:
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
	case <-time.After(10 * time.Second):
		w.Abort()
		t.Fatal("Open did not return within 10 s")
	}
	reqs := rec.requests()
	if len(reqs) != 1 {
		t.Fatalf("requests %+v, want one POST", reqs)
	}
	post := reqs[0]
	if post.Method != http.MethodPost || post.Path != "/whip" || post.Auth != "Bearer "+whipToken ||
		post.ContentType != "application/sdp" || post.Status != http.StatusCreated || !strings.HasPrefix(post.Location, "/whip/") {
		t.Fatalf("POST %+v", post)
	}
	if !srv.Status().Live {
		t.Fatal("server not live after Open")
	}
	stop := make(chan struct{})
	done, errc := feed(w, c, stop)
	ok := waitFor(5*time.Second, func() bool { return videoPackets(srv.Status()) > 50 })
	close(stop)
	<-done
	select {
	case err := <-errc:
		t.Fatalf("WritePacket: %v", err)
	default:
	}
	if !ok {
		t.Fatalf("the server received too little video: %+v", srv.Status())
	}
	var cerr error
	closed := make(chan struct{})
	go func() { cerr = w.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return within 10 s")
	}
	if cerr != nil {
		t.Fatalf("Close: %v", cerr)
	}
	reqs = rec.requests()
	if len(reqs) != 2 {
		t.Fatalf("requests %+v, want POST then DELETE", reqs)
	}
	del := reqs[1]
	if del.Method != http.MethodDelete || del.Path != post.Location || del.Auth != "Bearer "+whipToken || del.Status != http.StatusOK {
		t.Fatalf("DELETE %+v, want DELETE %s with the token, 200", del, post.Location)
	}
	if srv.Status().Live {
		t.Fatal("server still live after Close")
	}
	if err := w.WritePacket(c.packets[0]); !errors.Is(err, stream.ErrClosed) {
		t.Fatalf("WritePacket after Close = %v, want ErrClosed", err)
	}
}

type notice struct {
	state string
	err   error
	at    time.Time
}

// TestWHIPServerDropsSessionReconnects deletes the publisher's session on
// the real server mid-stream: the sink must report "disconnected" with
// ErrDisconnected, then publish again (Reconnect) and the server is live.
func TestWHIPServerDropsSessionReconnects(t *testing.T) {
	srv, rec, endpoint := localServer(t)
	c := whipClip(t)
	w, err := stream.NewWHIP(endpoint, stream.WHIPOptions{Token: whipToken, Timeout: 3 * time.Second, ICETimeout: 5 * time.Second, Reconnect: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	notes := make(chan notice, 16)
	w.SetNotify(func(state string, err error) { notes <- notice{state, err, time.Now()} })
	if err := w.Open(context.Background(), c.streams); err != nil {
		t.Fatalf("Open: %v", err)
	}
	stop := make(chan struct{})
	var stopOnce sync.Once
	done, errc := feed(w, c, stop)
	defer func() { stopOnce.Do(func() { close(stop) }); <-done }()
	if !waitFor(5*time.Second, func() bool { return videoPackets(srv.Status()) > 30 }) {
		t.Fatalf("no video at the server: %+v", srv.Status())
	}
	loc := rec.requests()[0].Location
	req, _ := http.NewRequest(http.MethodDelete, strings.TrimSuffix(srv.URL(), "/")+loc, nil)
	req.Header.Set("Authorization", "Bearer "+whipToken)
	hc := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("DELETE %s: %d", loc, resp.StatusCode)
	}
	dropped := time.Now()
	if srv.Status().Live {
		t.Fatal("server still live after DELETE")
	}
	var disc, live notice
	deadline := time.After(10 * time.Second)
	for live.state == "" {
		select {
		case n := <-notes:
			switch n.state {
			case "disconnected":
				disc = n
			case "live":
				live = n
			default:
				t.Fatalf("unexpected notice %q (%v)", n.state, n.err)
			}
		case <-deadline:
			t.Fatalf("within 10 s of the DELETE: disconnected=%v live=%v", disc.state != "", live.state != "")
		}
	}
	if disc.state == "" || !errors.Is(disc.err, stream.ErrDisconnected) {
		t.Fatalf("no disconnected notice with ErrDisconnected before live: %+v", disc)
	}
	whipNoToken(t, "disconnect notice", disc.err)
	t.Logf("noticed the drop after %v, live again after %v", disc.at.Sub(dropped).Round(time.Millisecond), live.at.Sub(dropped).Round(time.Millisecond))
	if n := w.Stats().Reconnects.Load(); n < 1 {
		t.Fatalf("Reconnects = %d", n)
	}
	if !srv.Status().Live {
		t.Fatal("server not live after the reconnect")
	}
	before := videoPackets(srv.Status())
	if !waitFor(5*time.Second, func() bool { return videoPackets(srv.Status()) > before+30 }) {
		t.Fatalf("no video after the reconnect: %+v", srv.Status())
	}
	var posts int
	for _, r := range rec.requests() {
		if r.Method == http.MethodPost {
			posts++
			if r.Auth != "Bearer "+whipToken || r.Status != http.StatusCreated {
				t.Errorf("POST %+v", r)
			}
		}
	}
	if posts != 2 {
		t.Errorf("%d POSTs, want 2", posts)
	}
	stopOnce.Do(func() { close(stop) })
	<-done
	select {
	case err := <-errc:
		t.Fatalf("WritePacket while reconnecting: %v", err)
	default:
	}
}
