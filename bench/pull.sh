#!/usr/bin/env bash
# Benchmark onair's network input against nginx-rtmp on loopback:
# 1. latency: `onair publish` (real-time test pattern, x264 zerolatency) →
#    nginx-rtmp → onair's RTMP pull, read from the wall-clock barcode;
# 2. decode CPU: pulling a 720p30 H.264 stream (published by ffmpeg) with
#    onair's capture/network vs `ffmpeg -i URL -f null -`, same run, as a ratio.
#
#   bench/pull.sh            DURATION=20 bench/pull.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
DURATION="${DURATION:-20}"
MODULE=/usr/lib/nginx/modules/ngx_rtmp_module.so
HINT="run: make deps   (packaging/linux/deps.sh installs ffmpeg, nginx, libnginx-mod-rtmp, time)"

source "$here/lib.sh"
(cd "$root" && go build -o bench/.bin/pull ./bench/pull)
PULL="$root/bench/.bin/pull"
url="rtmp://127.0.0.1:$port/live"

echo "bench: latency: onair publish → nginx-rtmp → onair pull" >&2
"$ONAIR_BIN" publish --duration "$((DURATION + 8))s" --out "$url/lat" >"$work/pub.log" 2>&1 &
extra_pids+=($!)
sleep 3
echo "## onair RTMP pull"
echo
echo "### Latency, onair publish (720p30, x264 zerolatency) → nginx-rtmp → onair pull, ${DURATION} s"
echo
"$PULL" -url "$url/lat" -for "${DURATION}s" -latency

echo "bench: decode CPU: ffmpeg publishes 720p30, onair and ffmpeg pull it" >&2
ffmpeg -hide_banner -nostdin -loglevel error -re -f lavfi -i "testsrc2=size=1280x720:rate=30" \
  -f lavfi -i "sine=frequency=1000:sample_rate=48000" -t "$((DURATION * 2 + 10))" \
  -c:v libx264 -preset veryfast -tune zerolatency -b:v 2500k -g 60 -c:a aac -f flv "$url/dec" \
  >"$work/ffpub.log" 2>&1 &
extra_pids+=($!)
sleep 3
measure onair-pull "$PULL" -url "$url/dec" -for "${DURATION}s"
ou=$u os=$s om=$m
measure ffmpeg-pull ffmpeg -hide_banner -nostdin -loglevel error -i "$url/dec" -t "$DURATION" -f null -
fu=$u fs=$s
oc=$(awk -v a="$ou" -v b="$os" 'BEGIN { printf "%.2f", a + b }')
fc=$(awk -v a="$fu" -v b="$fs" 'BEGIN { printf "%.2f", a + b }')
echo
echo "### Decode CPU, pulling 720p30 H.264 + AAC for ${DURATION} s"
echo
echo "| puller | CPU s | peak RSS MiB |"
echo "|---|---:|---:|"
echo "| onair (capture/network: decode, swscale to I420, audio to 48 kHz S16) | $oc | $(awk -v k="$om" 'BEGIN { printf "%.1f", k / 1024 }') |"
echo "| ffmpeg -f null | $fc | |"
echo
echo "- CPU ratio onair/ffmpeg: **$(awk -v a="$oc" -v b="$fc" 'BEGIN { printf "%.3f", a / b }')**"
