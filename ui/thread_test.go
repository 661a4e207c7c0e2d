package ui

import (
	"os"
	"sync"
	"testing"

	"github.com/onair-dev/onair/ui/locale"
)

// serial is a stand-in for Fyne's main goroutine in tests: one goroutine
// runs every posted function in order, so widget work from the window's
// tickers, the session's events and the test itself never overlaps.
type serial struct {
	mu    sync.Mutex
	cond  *sync.Cond
	queue []func()
}

func newSerial() *serial {
	s := &serial{}
	s.cond = sync.NewCond(&s.mu)
	go s.loop()
	return s
}

// post queues fn without waiting (safe from inside the loop).
func (s *serial) post(fn func()) {
	s.mu.Lock()
	s.queue = append(s.queue, fn)
	s.mu.Unlock()
	s.cond.Signal()
}

func (s *serial) loop() {
	for {
		s.mu.Lock()
		for len(s.queue) == 0 {
			s.cond.Wait()
		}
		fn := s.queue[0]
		s.queue = s.queue[1:]
		s.mu.Unlock()
		fn()
	}
}

var mainLoop *serial

// ui runs fn on the test's UI goroutine and waits for it.
func ui(fn func()) {
	done := make(chan struct{})
	mainLoop.post(func() { defer close(done); fn() })
	<-done
}

func TestMain(m *testing.M) {
	locale.Override("en") // the tests read English words
	mainLoop = newSerial()
	uiDo = mainLoop.post
	os.Exit(m.Run())
}
