// Package nginxrtmp starts Debian's nginx with libnginx-mod-rtmp on free
// loopback ports for a test, from testdata/nginx-rtmp.conf.tmpl, and stops
// it when the test ends. Publishing needs the stream key Key: an HTTP
// on_publish check served here in Go, the way ingest services check keys.
// Everything nginx receives is recorded to RecordPath(key).
package nginxrtmp

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"text/template"
	"time"

	"github.com/onair-dev/onair/internal/testenv"
)

// Key is the only stream key the server accepts.
const Key = "onair-test-key"

const modulePath = "/usr/lib/nginx/modules/ngx_rtmp_module.so"

// Server is one running nginx-rtmp.
type Server struct {
	Port int
	Dir  string
	cmd  *exec.Cmd
	auth *http.Server
	once sync.Once
	done chan struct{}
}

// Start runs nginx-rtmp; it is stopped by t.Cleanup.
func Start(t testing.TB) *Server {
	t.Helper()
	nginx := testenv.Tool(t, "nginx")
	if _, err := os.Stat(modulePath); err != nil {
		t.Fatalf("nginx RTMP module missing (%s): %s", modulePath, testenv.InstallHint)
	}
	dir := t.TempDir()
	for _, d := range []string{"record", "body", "proxy", "fastcgi", "uwsgi", "scgi"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	authLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Dir: dir, done: make(chan struct{})}
	s.auth = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ParseForm() == nil && r.PostForm.Get("name") == Key {
			w.WriteHeader(http.StatusOK)
			return
		}
		w.WriteHeader(http.StatusForbidden)
	}), ReadHeaderTimeout: 5 * time.Second}
	go s.auth.Serve(authLn)

	s.Port = freePort(t)
	tmpl, err := template.ParseFiles(filepath.Join(testenv.RepoRoot(), "testdata", "nginx-rtmp.conf.tmpl"))
	if err != nil {
		t.Fatal(err)
	}
	var conf bytes.Buffer
	if err := tmpl.Execute(&conf, map[string]any{
		"Dir": dir, "RTMPPort": s.Port, "AuthURL": "http://" + authLn.Addr().String() + "/auth", "Module": modulePath,
	}); err != nil {
		t.Fatal(err)
	}
	confPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confPath, conf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	s.cmd = exec.Command(nginx, "-p", dir, "-c", confPath, "-e", filepath.Join(dir, "error.log"))
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("starting nginx: %v", err)
	}
	go func() { s.cmd.Wait(); close(s.done) }()
	t.Cleanup(s.Stop)
	// Ready when the RTMP port accepts connections.
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", s.Addr(), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return s
		}
		select {
		case <-s.done:
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("nginx exited at start:\n%s", log)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx-rtmp did not listen on %s within 10 s", s.Addr())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Addr is host:port of the RTMP listener.
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.Port) }

// URL is the publish URL for app "live" and key.
func (s *Server) URL(key string) string { return fmt.Sprintf("rtmp://%s/live/%s", s.Addr(), key) }

// RecordPath is where nginx writes what it received for key.
func (s *Server) RecordPath(key string) string { return filepath.Join(s.Dir, "record", key+".flv") }

// Kill stops nginx at once (SIGKILL), as a crashed server would.
func (s *Server) Kill() {
	if s.cmd.Process != nil {
		s.cmd.Process.Kill()
	}
	<-s.done
}

// Stop ends nginx (politely, then by force) and the auth server; idempotent.
func (s *Server) Stop() {
	s.once.Do(func() {
		if s.cmd.Process != nil {
			s.cmd.Process.Signal(os.Interrupt)
			select {
			case <-s.done:
			case <-time.After(5 * time.Second):
				s.cmd.Process.Kill()
				<-s.done
			}
		}
		s.auth.Close()
	})
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
