package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/onair-dev/onair/pipeline"
)

// tokenEnv carries a bearer token without putting it in shell history.
const tokenEnv = "ONAIR_TOKEN"

func runServe(e *env, args []string) error {
	fs := newFlags(e, "serve")
	addr := fs.String("addr", pipeline.DefaultServerAddr, "address to listen on (non-loopback needs a token)")
	token := fs.String("token", "", "bearer token publishers and viewers must give (default: $"+tokenEnv+"; generated off loopback)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *token == "" {
		*token = os.Getenv(tokenEnv)
	}
	srv, err := startServer(e, *addr, *token)
	if err != nil {
		return err
	}
	defer srv.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	return nil
}

// startServer starts the built-in server and tells the person where it is.
func startServer(e *env, addr, token string) (*pipeline.LocalServer, error) {
	srv, err := pipeline.StartLocalServer(addr, token, e.log)
	if err != nil {
		return nil, err
	}
	announceServer(e, srv)
	return srv, nil
}

// announceServer prints where to watch. A generated token is printed once,
// to stdout, for the person to copy.
func announceServer(e *env, srv *pipeline.LocalServer) {
	tok, generated := srv.Token()
	url := srv.URL()
	if generated {
		fmt.Fprintf(e.stdout, "onair server token (shown once): %s\n", tok)
		url += "?token=" + tok
	}
	fmt.Fprintf(e.stdout, "onair server: watch at %s  (WHIP ingest: %s)\n", url, srv.WHIPURL())
}
