#!/usr/bin/env bash
# Benchmark the Docker API service against `podman system service` (not part of the test suite).
#
#   bash bench/service.sh                 # CLIENTS=50 WARM_RUNS=200
#
# Builds a berth store of 1,000 names (200 images x 5 names + 5 dangling, bench/images-store.mjs),
# copies it into a scratch podman store (berth save -m + podman load), starts both services on
# their own unix sockets, and a local registry holding a 64 MB image. For each service,
# bench/service-load.mjs measures a warm listing (GET /images/json, sequential), then 50
# concurrent clients listing and inspecting while that image is pulled into the same store
# (berth pull / podman pull). bench/service-summary.mjs prints the goal table.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
OUT=${OUT:-$repo/bench/out}
CLIENTS=${CLIENTS:-50}
WARM_RUNS=${WARM_RUNS:-200}

# shellcheck source=bench/lib.sh
source "$here/lib.sh"
need node podman
ensure_built cli/berth.cjs test/helpers/registry.js test/helpers/tools.js

bench_workdir service
cli=$repo/dist/cli/berth.cjs
broot=$work/berth

echo "building a berth store: 1,000 names..." >&2
node "$here/images-store.mjs" "$broot" 200 5 5 >"$work/refs"
mapfile -t refs <"$work/refs"
node "$cli" --root "$broot" save -q -m -o "$work/all.tar" "${refs[@]}"
eval "$(node "$here/podman-env.mjs")" # HOME, CONTAINERS_*, PODMAN_ARGS, PODMAN_DIR
echo "loading the same images into a scratch podman store..." >&2
podman "${PODMAN_ARGS[@]}" load -q -i "$work/all.tar" >/dev/null
rm -f "$work/all.tar"

echo "starting a registry with a 64 MB image..." >&2
start_registries
reg=$REG
mkdir -p "$work/big"
for i in 1 2 3 4; do head -c $((16 << 20)) /dev/urandom >"$work/big/blob$i"; done
tar -C "$work/big" -cf "$work/big.tar" .
node "$cli" --root "$work/src" import -q "$work/big.tar" "$reg/bench/big:1" >/dev/null
node "$cli" --root "$work/src" push -q --tls-verify=false "$reg/bench/big:1" >/dev/null
rm -rf "$work/big" "$work/big.tar" "$work/src"

echo "== berth system service ==" >&2
background node "$cli" --root "$broot" system service -t 0 "unix://$work/berth.sock"
wait_until 'berth system service' '' ping_socket "$work/berth.sock"
node "$here/service-load.mjs" "$work/berth.sock" "$OUT/service-berth.json" "${refs[0]}" \
  "node $(printf %q "$cli") --root $(printf %q "$broot") pull -q --tls-verify=false $reg/bench/big:1" "$CLIENTS" "$WARM_RUNS"

echo "== podman system service ==" >&2
background podman "${PODMAN_ARGS[@]}" system service -t 0 "unix://$work/podman.sock"
wait_until 'podman system service' '' ping_socket "$work/podman.sock"
node "$here/service-load.mjs" "$work/podman.sock" "$OUT/service-podman.json" "${refs[0]}" \
  "podman $(printf '%q ' "${PODMAN_ARGS[@]}") pull -q --tls-verify=false $reg/bench/big:1" "$CLIENTS" "$WARM_RUNS"

echo
node "$here/service-summary.mjs" "$OUT/service-berth.json" "$OUT/service-podman.json"
