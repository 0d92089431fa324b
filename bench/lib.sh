# Shared by the bench scripts (source it after setting $repo and $work).

# need TOOL... : exit 2 unless every tool is installed.
need() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is required" >&2; exit 2; }
  done
}

# ensure_built FILE... : compile the project when any of these dist files is missing.
ensure_built() {
  local f
  for f in "$@"; do
    if [ ! -f "$repo/dist/$f" ]; then (cd "$repo" && npm run build >/dev/null) || true; return; fi
  done
}

# peak LABEL PREPARE COMMAND... : the largest "Maximum resident set size" (KB) of 3 runs,
# each after running PREPARE; prints "LABEL<TAB>KB".
peak() {
  local label=$1 prep=$2 max=0 kb
  shift 2
  for _ in 1 2 3; do
    eval "$prep"
    /usr/bin/time -v -o "$work/time.txt" "$@" >/dev/null 2>&1
    kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
    [ "${kb:-0}" -gt "$max" ] && max=$kb
  done
  printf '%s\t%s\n' "$label" "$max"
}

# node_env_note: say when the environment makes every node process slower to start. Node reads
# the certificates of NODE_EXTRA_CA_CERTS at start, before any script runs (with Debian's whole
# CA bundle: about 40 ms of CPU on the 2-core machine of bench/startup-profile.md). `node -e 0`
# pays it too, so the listing rows' margins over it do not change; the rows that compare berth
# with Go programs (skopeo, podman) carry it.
node_env_note() {
  if [ -n "${NODE_EXTRA_CA_CERTS:-}" ]; then
    echo "bench: note: NODE_EXTRA_CA_CERTS is set ($NODE_EXTRA_CA_CERTS): every node process, berth's and node -e 0's, reads those certificates when it starts" >&2
  fi
}

# bench_workdir NAME: a scratch directory in $work (and $OUT made), removed on exit with podman's
# scratch directory ($PODMAN_DIR, set by podman-env.mjs) after every process started with
# `background` is stopped.
bench_workdir() {
  node_env_note
  work=$(mktemp -d "${TMPDIR:-/tmp}/berth-bench-$1.XXXXXX")
  BG_PIDS=()
  PODMAN_DIR=
  trap bench_cleanup EXIT
  mkdir -p "$OUT"
}

bench_cleanup() {
  local p
  for p in "${BG_PIDS[@]}"; do stop_background "$p"; done
  [ -n "$PODMAN_DIR" ] && rm -rf "$PODMAN_DIR"
  rm -rf "$work"
}

# background COMMAND... : run COMMAND in the background (redirect the call as needed); its process
# ID is $BG_LAST, and it is stopped on exit.
background() {
  "$@" &
  BG_LAST=$!
  BG_PIDS+=("$BG_LAST")
}

# stop_background PID: stop a process started with `background` (and the processes it started).
stop_background() {
  local p=$1 rest=() q
  pkill -TERM -P "$p" 2>/dev/null || true
  kill "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
  for q in "${BG_PIDS[@]}"; do [ "$q" = "$p" ] || rest+=("$q"); done
  BG_PIDS=("${rest[@]}")
}

# wait_until WHAT LOG COMMAND... : retry COMMAND for up to 30 s; then give up, showing LOG (if any).
wait_until() {
  local what=$1 log=$2
  shift 2
  for _ in $(seq 300); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "bench: $what did not start" >&2
  [ -n "$log" ] && [ -f "$log" ] && cat "$log" >&2
  exit 1
}

# start_registries: two local docker-registries (bench/pull-push-registry.mjs): REG to pull from,
# REG_PUSH to push to (its storage in $work/reg-push).
start_registries() {
  background node "$here/pull-push-registry.mjs" "$work/registries.txt" "$work/reg-push" >"$work/registry.log" 2>&1
  wait_until 'the registry' "$work/registry.log" test -s "$work/registries.txt"
  read -r REG REG_PUSH <"$work/registries.txt"
}

# ping_socket SOCKET: whether a Docker API service answers GET /_ping on SOCKET.
ping_socket() {
  node -e "require('http').get({socketPath: process.argv[1], path: '/_ping'}, r => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))" "$1"
}
