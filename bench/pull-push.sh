#!/usr/bin/env bash
# Benchmark berth pull/push against podman and skopeo through a local registry (not part of
# the test suite).
#
#   bash bench/pull-push.sh            # 5 runs per command
#   RUNS=10 bash bench/pull-push.sh
#
# Generates two images as an OCI layout (bench/pull-push-make.mjs): "text", ~300 MB
# uncompressed in 3 gzip layers of word-like text files, and "random", ~270 MB of
# incompressible data in 4 layers. Starts two registries on 127.0.0.1 (test/helpers/registry.ts
# via bench/pull-push-registry.mjs), pushes both images to the first with skopeo, then with
# hyperfine, every run into an empty destination (--prepare):
#   pull: berth pull  vs  podman pull (scratch vfs store)  vs  skopeo copy docker://... oci:DIR
#         (and berth pull again with each gzip codec installed forced: BERTH_GZIP=igzip/pigz/zlib)
#   push: berth push  vs  podman push of the pulled image to the second registry, whose storage
#         directory is emptied before every run
# and the peak RSS of berth pull/push (max of 3 runs of /usr/bin/time -v).
# podman and skopeo always run with scratch stores and configuration (bench/podman-env.mjs).
# hyperfine JSON exports and the RSS figures go to bench/out/ (or $OUT); the summary
# (bench/pull-push-summary.mjs) prints medians, ratios of medians of this one run, and targets.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
RUNS=${RUNS:-5}
OUT=${OUT:-$repo/bench/out}

# shellcheck source=bench/lib.sh
source "$here/lib.sh"
need node podman skopeo hyperfine /usr/bin/time /usr/bin/docker-registry
ensure_built cli/main.js test/helpers/registry.js

work=$(mktemp -d "${TMPDIR:-/tmp}/berth-bench-pp.XXXXXX")
PODMAN_DIR=
REG_PID=
cleanup() {
  if [ -n "$REG_PID" ]; then kill "$REG_PID" 2>/dev/null || true; wait "$REG_PID" 2>/dev/null || true; fi
  [ -n "$PODMAN_DIR" ] && rm -rf "$PODMAN_DIR"
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$OUT"

echo "generating the images (OCI layout)..." >&2
layout=$work/layout
node "$here/pull-push-make.mjs" "$layout" >"$work/images.txt"

pushstore=$work/push-registry
mkdir -p "$pushstore"
node "$here/pull-push-registry.mjs" "$work/registries.txt" "$pushstore" >"$work/registry.log" 2>&1 &
REG_PID=$!
for _ in $(seq 1 300); do [ -s "$work/registries.txt" ] && break; sleep 0.1; done
[ -s "$work/registries.txt" ] || { echo "bench: the registries did not start:" >&2; cat "$work/registry.log" >&2; exit 1; }
read -r SRC DST <"$work/registries.txt"
echo "registries: pull from $SRC, push to $DST" >&2

eval "$(node "$here/podman-env.mjs")"   # exports HOME, CONTAINERS_*, REGISTRY_AUTH_FILE, ...; sets PODMAN_ARGS
policy=$HOME/.config/containers/policy.json
skopeo_cmd="skopeo --policy $(printf %q "$policy") --tmpdir $(printf %q "$TMPDIR")"
for img in text random; do
  $skopeo_cmd copy -q --dest-tls-verify=false "oci:$layout:$img" "docker://$SRC/bench/$img:1"
done

broot=$work/berth-store
skdir=$work/skopeo-oci
berth="node $(printf %q "$repo/dist/cli/main.js") --root $(printf %q "$broot")"
podman="podman$(printf ' %q' "${PODMAN_ARGS[@]}")"
empty_berth="rm -rf $(printf %q "$broot")"
empty_podman="rm -rf $(printf %q "$PODMAN_ROOT") $(printf %q "$PODMAN_RUNROOT")"
empty_skopeo="rm -rf $(printf %q "$skdir")"
empty_registry="rm -rf $(printf %q "$pushstore/docker")"
hf=(hyperfine -N --style basic --warmup 1 --runs "$RUNS")

for img in text random; do
  ref=$SRC/bench/$img:1
  # berth's pull once more per gzip codec forced with BERTH_GZIP (the plain row: fastest present)
  codec_rows=()
  for codec in igzip pigz zlib; do
    [ "$codec" = zlib ] || command -v "$codec" >/dev/null 2>&1 || continue
    codec_rows+=(--prepare "$empty_berth" -n "berth pull ($codec)" "env BERTH_GZIP=$codec $berth pull -q --tls-verify=false $ref")
  done
  echo "== pull $img into empty stores ($RUNS runs each) ==" >&2
  "${hf[@]}" --export-json "$OUT/pull-$img.json" \
    --prepare "$empty_berth" -n "berth pull" "$berth pull -q --tls-verify=false $ref" \
    "${codec_rows[@]}" \
    --prepare "$empty_podman" -n "podman pull" "$podman pull -q --tls-verify=false $ref" \
    --prepare "$empty_skopeo" -n "skopeo copy" "$skopeo_cmd copy -q --src-tls-verify=false docker://$ref oci:$skdir:$img"
done

# both stores hold both images for the push runs
for img in text random; do
  $berth pull -q --policy missing --tls-verify=false "$SRC/bench/$img:1" >/dev/null
  $podman pull -q --tls-verify=false "$SRC/bench/$img:1" >/dev/null
done
for img in text random; do
  echo "== push $img to an empty registry ($RUNS runs each) ==" >&2
  "${hf[@]}" --export-json "$OUT/push-$img.json" \
    --prepare "$empty_registry" -n "berth push" "$berth push -q --tls-verify=false $SRC/bench/$img:1 $DST/bench/$img:1" \
    --prepare "$empty_registry" -n "podman push" "$podman push -q --tls-verify=false $SRC/bench/$img:1 $DST/bench/$img:1"
done

echo "== peak RSS (/usr/bin/time -v, max of 3 runs) ==" >&2
berth_cmd=(node "$repo/dist/cli/main.js" --root "$broot")
{
  # push first: the store holds both images now; the pulls empty it
  for img in text random; do
    peak "berth push $img" "$empty_registry" "${berth_cmd[@]}" push -q --tls-verify=false "$SRC/bench/$img:1" "$DST/bench/$img:1"
  done
  for img in text random; do
    peak "berth pull $img" "$empty_berth" "${berth_cmd[@]}" pull -q --tls-verify=false "$SRC/bench/$img:1"
  done
} >"$OUT/pull-push-rss.tsv"

echo
node "$here/pull-push-summary.mjs" "$OUT" "$work/images.txt"
