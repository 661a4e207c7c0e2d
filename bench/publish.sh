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

die() { echo "bench: $*" >&2; exit 1; }
[[ -x /usr/bin/time ]] || die "/usr/bin/time missing (Debian package 'time'): $HINT"
command -v nginx >/dev/null || die "nginx missing: $HINT"
command -v ffmpeg >/dev/null || die "ffmpeg missing: $HINT"
[[ -f "$MODULE" ]] || die "nginx RTMP module missing ($MODULE): $HINT"

if [[ -z "${ONAIR_BIN:-}" ]]; then
  echo "bench: building onair" >&2
  (cd "$root" && go build -o bench/.bin/onair .)
  ONAIR_BIN="$root/bench/.bin/onair"
fi
[[ -x "$ONAIR_BIN" ]] || die "ONAIR_BIN $ONAIR_BIN is not executable"

work="$(mktemp -d "${TMPDIR:-/tmp}/onair-bench.XXXXXX")"
nginx_pid=""
cleanup() {
  if [[ -n "$nginx_pid" ]] && kill -0 "$nginx_pid" 2>/dev/null; then
    kill -QUIT "$nginx_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$nginx_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$nginx_pid" 2>/dev/null || true
    wait "$nginx_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# listening PORT: true if something accepts TCP on 127.0.0.1:PORT.
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Start nginx on a free port; retry if another process took it first.
mkdir -p "$work"/{body,proxy,fastcgi,uwsgi,scgi}
for attempt in 1 2 3 4 5; do
  port=$((20000 + RANDOM % 40000))
  listening "$port" && continue
  sed -e "s|@DIR@|$work|g" -e "s|@PORT@|$port|g" -e "s|@MODULE@|$MODULE|g" \
    "$here/nginx-bench.conf.tmpl" >"$work/nginx.conf"
  nginx -p "$work" -c "$work/nginx.conf" -e "$work/error.log" &
  nginx_pid=$!
  for _ in $(seq 100); do
    listening "$port" && break
    kill -0 "$nginx_pid" 2>/dev/null || break
    sleep 0.1
  done
  listening "$port" && break
  wait "$nginx_pid" 2>/dev/null || true
  nginx_pid=""
done
[[ -n "$nginx_pid" ]] || die "nginx-rtmp did not start: $(cat "$work/error.log" 2>/dev/null)"
echo "bench: nginx-rtmp on 127.0.0.1:$port" >&2

frames=$((DURATION * 30))

# measure NAME CMD...: runs CMD under /usr/bin/time; sets u s m e (user s,
# sys s, peak RSS KiB, wall s). Fails the benchmark if CMD fails.
measure() {
  local name="$1"; shift
  if ! /usr/bin/time -o "$work/$name.time" -f '%U %S %M %e' "$@" >"$work/$name.log" 2>&1; then
    tail -n 20 "$work/$name.log" >&2
    die "$name failed"
  fi
  read -r u s m e <"$work/$name.time"
}

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

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
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
