package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/onair-dev/onair/filters"
	"github.com/onair-dev/onair/pipeline"
	"github.com/onair-dev/onair/stream/server"
)

func runFilters(e *env, args []string) error {
	if len(args) == 0 || args[0] == "list" {
		return listFilters(e)
	}
	if args[0] != "set" {
		return fmt.Errorf("filters %q: want 'list' or 'set SPEC…': %w", args[0], errUsage)
	}
	fs := newFlags(e, "filters set")
	addr := fs.String("server", "http://"+server.DefaultAddr, "the built-in server of the running onair")
	token := fs.String("token", "", "the server's bearer token, if it has one (default: $"+tokenEnv+")")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if *token == "" {
		*token = os.Getenv(tokenEnv)
	}
	specs := fs.Args()        // none: clear the chain
	for _, s := range specs { // fail here, with the same words, before asking the server
		f, err := filters.Parse(s)
		if err != nil {
			return fmt.Errorf("%v: %w", err, errUsage)
		}
		f.Close()
	}
	body, _ := json.Marshal(pipeline.FilterRequest{Filters: specs})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPut, strings.TrimSuffix(*addr, "/")+"/api/control/filters", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if *token != "" {
		req.Header.Set("Authorization", "Bearer "+*token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("no onair server at %s (is 'onair publish' running?): %v", *addr, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var st pipeline.FilterState
	if json.Unmarshal(raw, &st) != nil {
		st.Error = strings.TrimSpace(string(raw))
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("server refused the filters (HTTP %d): %s", resp.StatusCode, st.Error)
	}
	fmt.Fprintf(e.stdout, "filters now: %s\n", strings.Join(orNone(st.Filters), " → "))
	return nil
}

func orNone(s []string) []string {
	if len(s) == 0 {
		return []string{"(none)"}
	}
	return s
}

func listFilters(e *env) error {
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FILTER\tPARAMETER\tALLOWED\tDEFAULT\tWHAT")
	for _, in := range filters.List() {
		fmt.Fprintf(tw, "%s\t\t\t\t%s\n", in.Name, in.Summary)
		for _, p := range in.Params {
			fmt.Fprintf(tw, "\t%s\t%s\t%s\t%s\n", p.Name, p.Allowed(), p.Default, p.Help)
		}
	}
	fmt.Fprintln(tw, "\nspec: name[:param=value,…], e.g. blur:k=9   (onair publish --filter …, onair filters set …)")
	return tw.Flush()
}
