package cli_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"testing"
	"time"
)

// The binary links Fyne, whose lang package parses the locale at start-up.
// A neutral locale (LANG=C.UTF-8 in containers and CI) must stay quiet.
func TestNeutralLocaleIsQuiet(t *testing.T) {
	for _, lang := range []string{"C", "C.UTF-8", "POSIX", ""} {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		cmd := exec.CommandContext(ctx, onairBin, "version")
		cmd.Env = append(os.Environ(), "LANG="+lang, "LC_ALL=", "LC_MESSAGES=", "LANGUAGE=")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		cancel()
		if err != nil {
			t.Fatalf("LANG=%q onair version: %v\n%s", lang, err, stderr.String())
		}
		if stderr.Len() != 0 {
			t.Errorf("LANG=%q: onair version wrote to stderr:\n%s", lang, stderr.String())
		}
	}
}
