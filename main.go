// Command onair captures and streams from the desktop. With no arguments it
// will open the GUI (coming with the desktop app); subcommands run headless.
package main

import (
	"os"

	"github.com/onair-dev/onair/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
