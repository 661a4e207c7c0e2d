// Command onair captures and streams from the desktop. With no arguments
// (or `onair gui`) it opens the window; subcommands run headless.
package main

import (
	"os"

	"github.com/onair-dev/onair/cli"
	"github.com/onair-dev/onair/ui"
)

func main() {
	args := os.Args[1:]
	if len(args) == 0 || args[0] == "gui" {
		if len(args) > 0 {
			args = args[1:]
		}
		os.Exit(ui.Main(args, os.Stderr))
	}
	os.Exit(cli.Main(args, os.Stdout, os.Stderr))
}
