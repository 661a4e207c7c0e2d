#!/usr/bin/env bash
# Benchmark: CPU seconds (user+sys) and peak RSS of `onair publish` against
# the ffmpeg CLI doing the same work (720p30 test pattern + 1 kHz tone,
# libx264 veryfast/zerolatency CBR 2500k, AAC 160k, FLV to RTMP), each
# publishing in real time to nginx-rtmp on a free loopback port.
#
#   bench/publish.sh                  # builds onair into bench/.bin/onair
#   ONAIR_BIN=/path/onair bench/publish.sh
#   RUNS=3 DURATION=20 bench/publish.sh
#
# Prints a markdown table to stdout; progress goes to stderr.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
RUNS="${RUNS:-2}"
DURATION="${DURATION:-20}"
GOAL="${GOAL:-1.10}"
MODULE=/usr/lib/nginx/modules/ngx_rtmp_module.so
HINT="run: make deps   (packaging/linux/deps.sh installs ffmpeg, nginx, libnginx-mod-rtmp, time)"

source "$here/lib.sh"

frames=$((DURATION * 30))

run_onair() {
  ONAIR_LOG=info measure "$1" "$ONAIR_BIN" publish --duration "${DURATION}s" --encoder libx264 \
    --preset veryfast --tune zerolatency --bitrate 2500k --audio-bitrate 160k \
    --out "rtmp://127.0.0.1:$port/live/bench"
  # The RTMP output must have delivered every frame.
  grep -q "msg=finished output=\"rtmp .* state=closed video_packets=$frames " "$work/$1.log" ||
    { tail -n 20 "$work/$1.log" >&2; die "$1: RTMP output did not deliver $frames video packets"; }
}

run_ffmpeg() {
  measure "$1" ffmpeg -hide_banner -nostdin -loglevel error -re \
    -f lavfi -i "testsrc2=size=1280x720:rate=30" -f lavfi -i "sine=frequency=1000:sample_rate=48000" \
    -t "$DURATION" -c:v libx264 -preset veryfast -tune zerolatency -b:v 2500k -maxrate 2500k \
    -minrate 2500k -bufsize 2500k -g 60 -pix_fmt yuv420p -c:a aac -b:a 160k -ac 2 \
    -f flv "rtmp://127.0.0.1:$port/live/bench2"
}

rows=()
ratios=()
rss=()
for i in $(seq "$RUNS"); do
  echo "bench: run $i/$RUNS onair (${DURATION} s real time)" >&2
  run_onair "onair-$i"
  ou=$u os=$s om=$m oe=$e
  echo "bench: run $i/$RUNS ffmpeg (${DURATION} s real time)" >&2
  run_ffmpeg "ffmpeg-$i"
  fu=$u fs=$s fm=$m fe=$e
  ocpu=$(awk -v a="$ou" -v b="$os" 'BEGIN { printf "%.2f", a + b }')
  fcpu=$(awk -v a="$fu" -v b="$fs" 'BEGIN { printf "%.2f", a + b }')
  ratio=$(awk -v a="$ocpu" -v b="$fcpu" 'BEGIN { printf "%.3f", a / b }')
  ratios+=("$ratio")
  rss+=("$om")
  rows+=("| $i | onair | $ou | $os | $ocpu | $(awk -v k="$om" 'BEGIN { printf "%.1f", k / 1024 }') | $oe |")
  rows+=("| $i | ffmpeg | $fu | $fs | $fcpu | $(awk -v k="$fm" 'BEGIN { printf "%.1f", k / 1024 }') | $fe |")
  rows+=("| $i | **onair/ffmpeg** | | | **$ratio** | | |")
done

med_ratio=$(median "${ratios[@]}")
med_rss=$(median "${rss[@]}")
max_rss=$(printf '%s\n' "${rss[@]}" | sort -g | tail -n1)
verdict=$(awk -v r="$med_ratio" -v g="$GOAL" 'BEGIN { print (r <= g) ? "met" : "MISSED" }')

echo "## onair publish vs ffmpeg: ${DURATION} s of 720p30 + AAC to RTMP (${frames} frames), $RUNS runs each"
echo
echo "$(nproc) CPUs, $(ffmpeg -version | head -n1 | cut -d' ' -f1-3), nginx-rtmp on 127.0.0.1:$port"
echo
echo "| run | tool | user s | sys s | CPU s | peak RSS MiB | wall s |"
echo "|---|---|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
echo
echo "- median CPU ratio onair/ffmpeg: **$med_ratio** (goal ≤ $GOAL: $verdict)"
echo "- onair peak RSS: median $(awk -v k="$med_rss" 'BEGIN { printf "%.1f", k / 1024 }') MiB, max $(awk -v k="$max_rss" 'BEGIN { printf "%.1f", k / 1024 }') MiB"
