#!/usr/bin/env bash
# Benchmark: CPU seconds (user+sys) of `onair publish` over WHIP to the
# built-in server (run as its own process, `onair serve`) against the same
# publish over RTMP to nginx-rtmp, same run, same encoder settings (x264
# veryfast zerolatency baseline capped-VBR 2500k; WebRTC sends Opus where
# RTMP sends AAC, as each protocol requires). Reports the ratio WHIP/RTMP.
#
#   bench/webrtc_cpu.sh            RUNS=3 DURATION=20 bench/webrtc_cpu.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
RUNS="${RUNS:-2}"
DURATION="${DURATION:-20}"
MODULE=/usr/lib/nginx/modules/ngx_rtmp_module.so
HINT="run: make deps   (packaging/linux/deps.sh installs ffmpeg, nginx, libnginx-mod-rtmp, time)"

source "$here/lib.sh"

sport=$((20000 + RANDOM % 40000))
"$ONAIR_BIN" serve --addr "127.0.0.1:$sport" >"$work/serve.log" 2>&1 &
extra_pids+=($!)
for _ in $(seq 100); do listening "$sport" && break; sleep 0.1; done
listening "$sport" || die "onair serve did not start: $(cat "$work/serve.log")"
echo "bench: onair serve on 127.0.0.1:$sport" >&2

common=(publish --duration "${DURATION}s" --encoder libx264 --preset veryfast --tune zerolatency
  --bitrate 2500k --profile baseline --rc vbr)

rows=() ratios=()
for i in $(seq "$RUNS"); do
  echo "bench: run $i/$RUNS WHIP" >&2
  measure "whip-$i" "$ONAIR_BIN" "${common[@]}" --out "http://127.0.0.1:$sport/whip"
  wu=$u ws=$s wm=$m
  echo "bench: run $i/$RUNS RTMP" >&2
  measure "rtmp-$i" "$ONAIR_BIN" "${common[@]}" --out "rtmp://127.0.0.1:$port/live/bench"
  ru=$u rs=$s rm=$m
  wc=$(awk -v a="$wu" -v b="$ws" 'BEGIN { printf "%.2f", a + b }')
  rc=$(awk -v a="$ru" -v b="$rs" 'BEGIN { printf "%.2f", a + b }')
  ratio=$(awk -v a="$wc" -v b="$rc" 'BEGIN { printf "%.3f", a / b }')
  ratios+=("$ratio")
  rows+=("| $i | WHIP | $wu | $ws | $wc | $(awk -v k="$wm" 'BEGIN { printf "%.1f", k / 1024 }') |")
  rows+=("| $i | RTMP | $ru | $rs | $rc | $(awk -v k="$rm" 'BEGIN { printf "%.1f", k / 1024 }') |")
  rows+=("| $i | **WHIP/RTMP** | | | **$ratio** | |")
done

echo "## onair publish over WHIP vs RTMP: ${DURATION} s of 720p30, $RUNS runs each"
echo
echo "| run | output | user s | sys s | CPU s | peak RSS MiB |"
echo "|---|---|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
echo
echo "- median CPU ratio WHIP/RTMP: **$(median "${ratios[@]}")**"
