# Shared parts of the bench scripts: a private skiff daemon (own root, socket, bridge and subnet), cleanup by
# PID and mount, medians. Source it after setting REPO; it sets W, ROOT, SOCK, DPID, SKIFF, SKIFF_ENV.
TAR=/var/cache/skiff/base-images/busybox.tar
DOCKER=/usr/local/bin/docker
SKIFF=${SKIFF_BIN:-$REPO/bin/skiff} # SKIFF_BIN: another build of the launcher
export PATH="$REPO/node_modules/node/bin:$PATH"

log()    { printf '# %s\n' "$*" >&2; }
die()    { printf '%s: error: %s\n' "${0##*/}" "$*" >&2; exit 1; }
result() { printf '%s: %s %s\n' "$1" "$2" "$3"; }
note()   { printf '# %s\n' "$*"; }

[ "$(id -u)" = 0 ] || die "run as root"
scripts/setup --check >&2 # crun needs the v1 hugetlb hierarchy on hybrid hosts
[ -n "${SKIFF_BIN:-}" ] || [ -f dist/skiff.cjs ] || node scripts/build.mjs >&2
[ -f "$TAR" ] || scripts/base-images busybox >&2

W=$(mktemp -d "${BENCH_DIR:-/var/tmp}/skiff-bench.XXXXXX") # BENCH_DIR: another parent (its file system, its ext4 block group)
ROOT=$W/root
SOCK=$W/docker.sock
DPID=
mkdir -p "$W/docker-config"
export DOCKER_CONFIG=$W/docker-config   # a clean client config; podman reads it too and needs the file
echo "{}" >"$DOCKER_CONFIG/config.json"
SKIFF_ENV=(env "SKIFF_HOST=unix://$SOCK" "DOCKER_HOST=unix://$SOCK")
# a bridge and subnet of this run's own, so it never meets a running daemon's
BENCH_BRIDGE=skb$(printf '%05d' $(($$ % 100000)))
BENCH_BIP=10.$((200 + $$ % 50)).$(($$ / 50 % 250)).1/24

belongs() { # belongs PID: its command line names $W, or its root dir lies under $W (a container)
  local pid=$1 root
  [ -d "/proc/$pid" ] || return 1
  [[ $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) == *"$W"* ]] && return 0
  root=$(readlink "/proc/$pid/root" 2>/dev/null) || return 1
  [[ $root == "$W"/* ]]
}
bench_cleanup() {
  set +e
  declare -F bench_cleanup_extra >/dev/null && bench_cleanup_extra
  if [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; then
    for id in $(curl -s --max-time 5 --unix-socket "$SOCK" 'http://skiff/containers/json?all=1' | jq -r '.[].Id' 2>/dev/null); do
      curl -s --max-time 15 --unix-socket "$SOCK" -X DELETE "http://skiff/containers/$id?force=1&v=1" >/dev/null
    done
    for id in $(curl -s --max-time 5 --unix-socket "$SOCK" 'http://skiff/networks' | jq -r '.[] | select(.Name != "bridge" and .Name != "host" and .Name != "none") | .Id' 2>/dev/null); do
      curl -s --max-time 15 --unix-socket "$SOCK" -X DELETE "http://skiff/networks/$id" >/dev/null
    done
    kill -TERM "$DPID" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$DPID" 2>/dev/null
    wait "$DPID" 2>/dev/null
  fi
  # containers outlive the daemon by design: conmon and container processes found through pid files
  local pid f
  while IFS= read -r f; do
    pid=$(tr -dc '0-9' <"$f" 2>/dev/null)
    [ -n "$pid" ] && [ "$pid" -gt 1 ] && belongs "$pid" && kill -KILL "$pid" 2>/dev/null
  done < <(find "$W" -xdev -type f -name '*pid*' -size -33c 2>/dev/null)
  # what the daemon made outside $W (its netns, bridges, nftables table): the tests' own sweep
  node --input-type=module -e 'const { sweepNetwork } = await import(process.argv[1]); await sweepNetwork(process.argv[2])' \
    "$REPO/src/engine/network/testing.ts" "$ROOT" 2>/dev/null
  local mp mps
  for _ in 1 2 3; do
    mapfile -t mps < <(awk -v w="$W" '{ gsub(/\\040/, " ", $5); if ($5 == w || index($5, w "/") == 1) print $5 }' /proc/self/mountinfo |
      awk '{ print gsub(/\//, "/"), $0 }' | sort -rn | cut -d' ' -f2-)
    ((${#mps[@]})) || break
    for mp in "${mps[@]}"; do umount "$mp" 2>/dev/null || umount -l "$mp" 2>/dev/null; done
  done
  rm -rf "$W"
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

# start_daemon [extra daemon flags…]: a private daemon with busybox:latest imported
start_daemon() {
  log "skiff daemon on $SOCK (root $ROOT, bridge $BENCH_BRIDGE $BENCH_BIP)"
  "$SKIFF" daemon --root "$ROOT" -H "unix://$SOCK" --bridge "$BENCH_BRIDGE" --bip "$BENCH_BIP" "$@" >"$W/daemon.log" 2>&1 &
  DPID=$!
  for _ in $(seq 200); do
    [ "$(curl -s --max-time 1 --unix-socket "$SOCK" http://skiff/_ping 2>/dev/null)" = OK ] && break
    kill -0 "$DPID" 2>/dev/null || { tail -20 "$W/daemon.log" >&2; die "the daemon exited"; }
    sleep 0.05
  done
  [ "$(curl -s --max-time 1 --unix-socket "$SOCK" http://skiff/_ping)" = OK ] || { tail -20 "$W/daemon.log" >&2; die "the daemon does not answer /_ping"; }
  "${SKIFF_ENV[@]}" "$SKIFF" image import --change 'CMD ["sh"]' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' "$TAR" busybox:latest >/dev/null
}

stats() { # stats "v1 v2 ..." -> "median min max n"
  tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{ a[NR] = $1 } END {
    if (NR == 0) { print "nan nan nan 0"; exit }
    m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
    printf "%.1f %.1f %.1f %d\n", m, a[1], a[NR], NR }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "nan" }'; }
free_port() { # a TCP port nothing listens on
  local p
  for _ in $(seq 50); do
    p=$((20000 + RANDOM % 12000)) # below the ephemeral range (32768+): many client sockets hold ports there
    ss -Htln "sport = :$p" | grep -q . || { echo "$p"; return; }
  done
  die "no free port"
}
