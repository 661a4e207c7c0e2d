#!/usr/bin/env bash
# Benchmark: glass-to-glass latency at 720p30, onair publish (WHIP) → the
# built-in local server → its viewer page in headless Chromium, all on
# 127.0.0.1. Prints p50, p95, max and count as a markdown table (goal p50
# ≤ 80 ms, p95 ≤ 120 ms; reported, not asserted).
#
#   bench/latency.sh            DURATION=20s bench/latency.sh -v
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
DURATION="${DURATION:-20s}"

die() { echo "bench: $*" >&2; exit 1; }
command -v chromium >/dev/null || [[ -n "${ONAIR_CHROMIUM:-}" ]] ||
  die "chromium not found: run make deps (packaging/linux/deps.sh)"

echo "bench: building bench/latency" >&2
mkdir -p "$root/bench/.bin"
(cd "$root" && CGO_ENABLED=1 go build -o bench/.bin/latency ./bench/latency)
exec "$root/bench/.bin/latency" -duration "$DURATION" "$@"
