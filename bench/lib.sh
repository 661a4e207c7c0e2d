# Shared by the bench/*.sh scripts: checks, nginx-rtmp on a free loopback
# port, timing under /usr/bin/time, medians. Source it after setting
# $here, $root and $HINT; it sets $work, $port and $nginx_pid and traps EXIT.
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
extra_pids=() # other servers a script starts; stopped on exit
cleanup() {
  for p in "${extra_pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
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

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
