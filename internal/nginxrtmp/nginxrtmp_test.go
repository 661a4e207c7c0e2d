package nginxrtmp

import (
	"net"
	"os"
	"testing"
)

func TestStartListensAndStops(t *testing.T) {
	s := Start(t)
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	s.Stop()
	if _, err := net.Dial("tcp", s.Addr()); err == nil {
		t.Fatal("nginx still listening after Stop")
	}
	if _, err := os.Stat(s.Dir); err != nil {
		t.Fatal(err)
	}
}
