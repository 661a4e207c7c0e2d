#!/usr/bin/env bash
# Benchmark: what the Fyne window costs on top of the session it shows.
# `onair gui --go-live` with the preview on, then off, against the headless
# `onair publish` doing the same go-live (720p30 test pattern, libx264,
# WHIP to the built-in server in the same process), interleaved, each
# measured over the same wall-clock window (WINDOW after WARMUP once live)
# from /proc/PID/stat, the GUI on its own Xvfb display with Mesa's software
# GL. Also the preview's lag behind the encoders' input and its frame rate
# (from --ui-stats), frames dropped, peak RSS (VmHWM). Goals: CPU gui/headless
# ≤ 1.25 with preview, ≤ 1.05 without. Markdown to stdout, progress to stderr.
#
#   bench/gui.sh                          # builds onair into bench/.bin/onair
#   ONAIR_BIN=bench/.bin/onair bash bench/gui.sh
#   RUNS=3 WARMUP=3s WINDOW=20s bash bench/gui.sh -v -keep
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
RUNS="${RUNS:-3}"
WARMUP="${WARMUP:-3s}"
WINDOW="${WINDOW:-20s}"
die() { echo "bench: $*" >&2; exit 1; }
command -v Xvfb >/dev/null || die "Xvfb missing: install: apt-get install xvfb"

mkdir -p "$root/bench/.bin"
if [[ -z "${ONAIR_BIN:-}" ]]; then
  echo "bench: building onair" >&2
  (cd "$root" && go build -o bench/.bin/onair .)
  ONAIR_BIN="$root/bench/.bin/onair"
fi
[[ -x "$ONAIR_BIN" ]] || die "ONAIR_BIN $ONAIR_BIN is not executable"
echo "bench: building bench/gui" >&2
(cd "$root" && go build -o bench/.bin/gui-bench ./bench/gui)
exec "$root/bench/.bin/gui-bench" -onair "$ONAIR_BIN" -runs "$RUNS" -warmup "$WARMUP" -window "$WINDOW" "$@"
