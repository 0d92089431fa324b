#!/usr/bin/env bash
# Benchmark the image commands against podman (not part of the test suite).
#
#   bash bench/images.sh                     # 200 images x 5 names + 5 dangling, 20 runs each
#   IMAGES=500 NAMES=3 RUNS=30 bash bench/images.sh
#
# Builds a berth store with berth's own import (bench/images-store.mjs), copies it into a
# scratch podman store (private vfs root, scratch config: bench/podman-env.mjs) through
# `berth save -m` + `podman load`, then measures with hyperfine, all in one run:
#   - `berth images` vs `podman images`, without and with filters (label, reference glob),
#     and with --format json;
#   - `berth inspect IMAGE` and `berth tag IMAGE NAME` vs `node -e 0` (start-up overhead).
# hyperfine JSON exports go to bench/out/ (or $OUT); bench/images-summary.mjs prints the
# medians and their ratios.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
IMAGES=${IMAGES:-200}
NAMES=${NAMES:-5}
DANGLING=${DANGLING:-5}
RUNS=${RUNS:-20}
OUT=${OUT:-$repo/bench/out}

# shellcheck source=bench/lib.sh
source "$here/lib.sh"
need node podman hyperfine
ensure_built cli/main.js src/images/list.js

work=$(mktemp -d "${TMPDIR:-/tmp}/berth-bench-images.XXXXXX")
PODMAN_DIR=
cleanup() {
  [ -n "$PODMAN_DIR" ] && rm -rf "$PODMAN_DIR"
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$OUT"

broot=$work/berth-store
echo "building a berth store: $IMAGES images x $NAMES names + $DANGLING dangling..." >&2
node "$here/images-store.mjs" "$broot" "$IMAGES" "$NAMES" "$DANGLING" > "$work/refs.txt"
berth="node $repo/dist/cli/main.js --root $broot"
mapfile -t refs < "$work/refs.txt"
$berth save -q -m -o "$work/all.tar" "${refs[@]}"

eval "$(node "$here/podman-env.mjs")"   # exports HOME, CONTAINERS_*, ...; sets PODMAN_ARGS, PODMAN_DIR
podman="podman ${PODMAN_ARGS[*]}"
echo "loading the same images into a scratch podman store..." >&2
$podman load -q -i "$work/all.tar" >/dev/null
nb=$($berth images -a --noheading | wc -l)
np=$($podman images -a --noheading | wc -l)
echo "rows listed: berth $nb, podman $np" >&2
[ "$nb" = "$np" ] || { echo "bench: the stores differ" >&2; exit 1; }

image=${refs[0]}
export TZ=UTC
hf=(hyperfine -N --warmup 3 --runs "$RUNS" --style basic)

"${hf[@]}" --export-json "$OUT/images-list.json" \
  -n 'berth images' "$berth images" \
  -n 'podman images' "$podman images"
"${hf[@]}" --export-json "$OUT/images-filter.json" \
  -n 'berth images --filter label' "$berth images --filter label=tier=gold" \
  -n 'podman images --filter label' "$podman images --filter label=tier=gold" \
  -n 'berth images --filter reference' "$berth images --filter reference=bench.example.com/team3/*" \
  -n 'podman images --filter reference' "$podman images --filter reference=bench.example.com/team3/*"
"${hf[@]}" --export-json "$OUT/images-json.json" \
  -n 'berth images --format json' "$berth images --format json" \
  -n 'podman images --format json' "$podman images --format json"
"${hf[@]}" --export-json "$OUT/images-startup.json" \
  -n 'node -e 0' "node -e 0" \
  -n 'berth inspect' "$berth inspect $image" \
  -n 'berth tag' "$berth tag $image bench.example.com/extra/name:1" \
  -n 'podman image inspect' "$podman image inspect $image"

node "$here/images-summary.mjs" "$OUT/images-list.json" "$OUT/images-filter.json" "$OUT/images-json.json" "$OUT/images-startup.json"
