package settings

import "errors"

var (
	// ErrNoKeyring means the system keyring cannot be used: secrets are
	// kept in memory for this session only. Errors carrying it are
	// *KeyringError values whose Cause says why (for logs, not for people).
	ErrNoKeyring = errors.New("no system keyring (Secret Service) available: keys are kept for this session only")
	// ErrNotFound means no secret is stored for that account.
	ErrNotFound = errors.New("no stored key or token: enter it again")
)

// KeyringError reports that the keyring is unusable. Its message is the
// one human sentence of ErrNoKeyring; the technical cause stays in Cause
// so that D-Bus details never reach the status line.
type KeyringError struct {
	Cause error
}

func (e *KeyringError) Error() string { return ErrNoKeyring.Error() }

// Unwrap lets errors.Is match both ErrNoKeyring and the cause.
func (e *KeyringError) Unwrap() []error { return []error{ErrNoKeyring, e.Cause} }
