package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/onair-dev/onair/internal/testenv"
)

// buildTimeout bounds `go build` of the binary: a few seconds (a link)
// when the build cache holds a plain build of the app (make build, make
// run), some minutes when cold (cgo: FFmpeg, GStreamer, OpenCV, GLFW; 8.7
// minutes measured on two busy cores).
const buildTimeout = 15 * time.Minute

var (
	// dir holds the binary and the shared cache; TestMain removes it.
	dir string
	// sharedCache is the XDG_CACHE_HOME of every run that sees the usual
	// fonts: the font index Fyne builds on its first start is reused.
	sharedCache string

	build    sync.Once
	bin      string // the binary under test, once built
	buildErr error
)

// TestMain makes the folder the binary is built into and removes it after
// the tests. The binary is built once, by the first test that runs it, so
// that `go test -run '^$'` (make test compiling every test first) and the
// pure pixel tests cost no build.
func TestMain(m *testing.M) { os.Exit(testMain(m)) }

func testMain(m *testing.M) int {
	var err error
	if dir, err = os.MkdirTemp("", "onair-e2e-"); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	sharedCache = filepath.Join(dir, "cache")

	code := m.Run()
	if code == 0 {
		// Every process and browser is ended at each test's cleanup; what
		// waited on them must be gone too.
		if err := goleak.Find(); err != nil {
			fmt.Fprintf(os.Stderr, "e2e: goroutines left after the tests: %v\n", err)
			code = 1
		}
	}
	return code
}

// onairBin builds the app (plain, not -race) on first use and returns its
// path; a failed build fails every test that needs it.
func onairBin(t *testing.T) string {
	t.Helper()
	build.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
		defer cancel()
		start, out := time.Now(), filepath.Join(dir, "onair")
		cmd := exec.CommandContext(ctx, "go", "build", "-o", out, ".")
		cmd.Dir = testenv.RepoRoot()
		if b, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build -o %s . in %s: %v\n%s", out, cmd.Dir, err, b)
			return
		}
		bin = out
		if took := time.Since(start); took > time.Minute {
			t.Logf("built %s in %.0f s: the build cache was cold (make build warms it)", bin, took.Seconds())
		} else {
			t.Logf("built %s in %.1f s", bin, took.Seconds())
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return bin
}
