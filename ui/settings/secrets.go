package settings

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/zalando/go-keyring"
)

// keyringTimeout bounds every keyring call: a missing Secret Service can
// hang D-Bus activation, and an unlock prompt nobody answers never returns.
const keyringTimeout = 3 * time.Second

const probeAccount = "onair-keyring-probe"

// Secrets keeps stream keys and tokens in the OS keyring (Secret Service,
// Keychain, Credential Manager). When the keyring is unusable it keeps them
// in memory for this session and says so through Available. Safe for
// concurrent use. Secrets never logs, and its errors never hold, a secret.
type Secrets struct {
	service string
	timeout time.Duration

	mu   sync.Mutex
	down *KeyringError     // non-nil once the keyring is given up for the session
	mem  map[string]string // used only when down != nil
}

// OpenSecrets probes the keyring once (store, read back and delete a probe
// item, all within ~3 s) and falls back to memory if that fails.
func OpenSecrets(service string) *Secrets {
	s := &Secrets{service: service, timeout: keyringTimeout, mem: map[string]string{}}
	if err := s.bounded(s.probe); err != nil {
		s.down = &KeyringError{Cause: err}
	}
	return s
}

func (s *Secrets) probe() error {
	want := "probe-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if err := keyring.Set(s.service, probeAccount, want); err != nil {
		return fmt.Errorf("store probe: %w", err)
	}
	got, err := keyring.Get(s.service, probeAccount)
	if err != nil {
		return fmt.Errorf("read probe: %w", err)
	}
	if got != want {
		return errors.New("read probe: keyring returned a different value")
	}
	if err := keyring.Delete(s.service, probeAccount); err != nil {
		return fmt.Errorf("delete probe: %w", err)
	}
	return nil
}

// errTimeout is the cause recorded when the keyring does not answer.
type errTimeout time.Duration

func (e errTimeout) Error() string {
	return fmt.Sprintf("keyring did not answer within %s", time.Duration(e))
}

// bounded runs fn in its own goroutine and stops waiting after s.timeout.
// A call that gives up leaves fn running; it ends when D-Bus does, and its
// result is ignored.
func (s *Secrets) bounded(fn func() error) error {
	done := make(chan error, 1)
	go func() { done <- fn() }()
	t := time.NewTimer(s.timeout)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-t.C:
		return errTimeout(s.timeout)
	}
}

// Available reports whether secrets reach the system keyring. If not, the
// error is a *KeyringError (errors.Is ErrNoKeyring) saying why.
func (s *Secrets) Available() (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down != nil {
		return false, s.down
	}
	return true, nil
}

// inMemory reports whether the keyring was given up.
func (s *Secrets) inMemory() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.down != nil
}

// timedOut switches to memory if err is a timeout, returning the error to
// report (the *KeyringError) or nil if err was something else.
func (s *Secrets) timedOut(err error) *KeyringError {
	var to errTimeout
	if !errors.As(err, &to) {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down == nil {
		s.down = &KeyringError{Cause: err}
	}
	return s.down
}

// Set stores secret under account. If the keyring stops answering, the
// secret is kept in memory and the *KeyringError is returned to report it;
// later calls use memory and return nil.
func (s *Secrets) Set(account, secret string) error {
	if !s.inMemory() {
		err := s.bounded(func() error { return keyring.Set(s.service, account, secret) })
		if err == nil {
			return nil
		}
		down := s.timedOut(err)
		if down == nil {
			if errors.Is(err, keyring.ErrSetDataTooBig) {
				return fmt.Errorf("store %q: the key is too long for the system keyring", account)
			}
			return fmt.Errorf("store %q in the system keyring: %w", account, err)
		}
		s.mu.Lock()
		s.mem[account] = secret
		s.mu.Unlock()
		return down
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mem[account] = secret
	return nil
}

// Get returns the secret stored under account, or ErrNotFound.
func (s *Secrets) Get(account string) (string, error) {
	if !s.inMemory() {
		var v string
		err := s.bounded(func() error {
			var err error
			v, err = keyring.Get(s.service, account)
			return err
		})
		switch {
		case err == nil:
			return v, nil
		case errors.Is(err, keyring.ErrNotFound):
			return "", ErrNotFound
		}
		if down := s.timedOut(err); down != nil {
			return "", down
		}
		return "", fmt.Errorf("read %q from the system keyring: %w", account, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.mem[account]
	if !ok {
		return "", ErrNotFound
	}
	return v, nil
}

// Delete removes the secret stored under account; deleting one that is
// not there is not an error.
func (s *Secrets) Delete(account string) error {
	if !s.inMemory() {
		err := s.bounded(func() error { return keyring.Delete(s.service, account) })
		if err == nil || errors.Is(err, keyring.ErrNotFound) {
			return nil
		}
		if down := s.timedOut(err); down != nil {
			return down
		}
		return fmt.Errorf("delete %q from the system keyring: %w", account, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.mem, account)
	return nil
}
