#!/usr/bin/env bash
# Benchmark: berth pull + image mount (the image's root file system materialised) against podman
# pull (which unpacks every layer into its store), through a local registry. Not part of the
# test suite.
#
#   bash bench/rootfs.sh             # 5 runs per command
#   RUNS=3 bash bench/rootfs.sh
#
# Uses the images of bench/pull-push-make.mjs: "text" (~300 MB uncompressed, 3 gzip layers of
# ~1500 text files) and "random" (~270 MB, 4 layers of large incompressible files). podman runs
# with a scratch vfs store (bench/podman-env.mjs). With hyperfine, every run into empty stores:
#   berth pull + image mount   vs   podman pull   (and berth pull alone, for reference)
# Prints the medians and the ratio of medians of this one run against the goal (<= 0.7x).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
RUNS=${RUNS:-5}
OUT=${OUT:-$repo/bench/out}

# shellcheck source=bench/lib.sh
source "$here/lib.sh"
need node podman skopeo hyperfine /usr/bin/docker-registry
ensure_built cli/berth.cjs test/helpers/registry.js

bench_workdir rootfs

# LAYOUT=DIR reuses (or keeps) the generated OCI layout between runs
layout=${LAYOUT:-$work/layout}
if [ ! -f "$layout/index.json" ]; then
  echo "generating the images (OCI layout)..." >&2
  node "$here/pull-push-make.mjs" "$layout" >"$work/images.txt"
fi

start_registries   # pulls come from $REG; the second registry is unused here
SRC=$REG

eval "$(node "$here/podman-env.mjs")"   # exports HOME, CONTAINERS_*, ...; sets PODMAN_ARGS
policy=$HOME/.config/containers/policy.json
for img in text random; do
  skopeo --policy "$policy" copy -q --dest-tls-verify=false "oci:$layout:$img" "docker://$SRC/bench/$img:1"
done

broot=$work/berth-store
berth="node $(printf %q "$repo/dist/cli/berth.cjs") --root $(printf %q "$broot")"
podman="podman$(printf ' %q' "${PODMAN_ARGS[@]}")"
empty_berth="rm -rf $(printf %q "$broot")"
empty_podman="rm -rf $(printf %q "$PODMAN_ROOT") $(printf %q "$PODMAN_RUNROOT")"

for img in text random; do
  ref=$SRC/bench/$img:1
  echo "== pull + image mount $img into empty stores ($RUNS runs each) ==" >&2
  hyperfine -N --style basic --warmup 1 --runs "$RUNS" --export-json "$OUT/rootfs-$img.json" \
    --prepare "$empty_berth" -n "berth pull + image mount" \
    "bash -c '$berth pull -q --tls-verify=false $ref >/dev/null && $berth image mount $ref >/dev/null'" \
    --prepare "$empty_podman" -n "podman pull" "$podman pull -q --tls-verify=false $ref" \
    --prepare "$empty_berth" -n "berth pull" "$berth pull -q --tls-verify=false $ref"
done

echo
node "$here/rootfs-summary.mjs" "$OUT"
