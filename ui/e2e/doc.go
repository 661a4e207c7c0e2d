// Package e2e holds the acceptance tests of onair's window: the real
// binary, built once, runs under its own Xvfb with software GL; the tests
// click it with xdotool, read its --ui-stats file, take screenshots with
// ImageMagick's import and check the pixels in Go, and watch the built-in
// server's viewer page in a headless Chromium.
//
// Everything listens on 127.0.0.1 only, every run gets a fresh HOME and
// XDG_CONFIG_HOME (a developer's settings are never touched), and every
// process started is ended at cleanup. Screenshots and the app's logs are
// kept as artifacts in $ONAIR_ARTIFACTS (relative to the repository root),
// by default <repo>/test-artifacts/ui/.
//
// A missing tool fails the test with the command that installs it:
// apt-get install xvfb xdotool imagemagick (and fonts-noto-cjk, chromium).
package e2e
