package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestControlOnlyFromThisMachineAndWithTheToken(t *testing.T) {
	s, err := Start(Config{Addr: "127.0.0.1:0", Token: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.HandleControl("echo", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))

	call := func(remote, path, auth string) (int, string) {
		req := httptest.NewRequest(http.MethodPut, path, strings.NewReader("{}"))
		req.RemoteAddr = remote
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		rec := httptest.NewRecorder()
		s.handleControl(rec, req)
		return rec.Code, rec.Body.String()
	}
	if code, body := call("192.0.2.7:4000", "/api/control/echo", "tok"); code != http.StatusForbidden {
		t.Fatalf("remote peer: %d %q", code, body)
	}
	if code, _ := call("127.0.0.1:4000", "/api/control/echo", ""); code != http.StatusUnauthorized {
		t.Fatalf("no token: %d", code)
	}
	if code, body := call("127.0.0.1:4000", "/api/control/nope", "tok"); code != http.StatusNotFound || !strings.Contains(body, "nope") {
		t.Fatalf("unknown control: %d %q", code, body)
	}
	if code, body := call("[::1]:4000", "/api/control/echo", "tok"); code != http.StatusOK || body != "ok" {
		t.Fatalf("loopback with token: %d %q", code, body)
	}

	// And over the real listener.
	req, _ := http.NewRequest(http.MethodPut, strings.TrimSuffix(s.URL(), "/")+"/api/control/echo", nil)
	req.Header.Set("Authorization", "Bearer tok")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("over HTTP: %d", resp.StatusCode)
	}
}
