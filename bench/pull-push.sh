#!/usr/bin/env bash
# Benchmark berth pull/push against skopeo and podman through local registries (not part of
# the test suite). Prints every row of the transfer goals with berth, skopeo, podman, the ratio
# of medians (all from this one run) and the goal.
#
#   bash bench/pull-push.sh            # 5 runs per command
#   RUNS=10 bash bench/pull-push.sh
#
# Generates two images as an OCI layout (bench/pull-push-make.mjs): "text", ~300 MB
# uncompressed in 3 gzip layers of word-like text files, and "random", ~270 MB of
# incompressible data in 4 layers; and a docker-archive of "text" (uncompressed layers, written
# by skopeo). Starts two registries on 127.0.0.1 (test/helpers/registry.ts via
# bench/pull-push-registry.mjs), pushes both images to the first with skopeo, then with
# hyperfine, every run into an empty destination (--prepare):
#   pull: berth pull  vs  skopeo copy docker://... oci:DIR  vs  podman pull (scratch vfs store;
#         text only), and berth pull again with each gzip codec installed forced
#         (BERTH_GZIP=igzip/pigz/zlib)
#   push of a pulled image (no recompression): berth push  vs  skopeo copy oci:LAYOUT docker://...
#   push of a loaded docker-archive (the layers must be compressed): berth load + berth push  vs
#         podman load + podman push
# to the second registry, whose storage directory is emptied before every push; and the peak
# RSS of every berth command (max of 3 runs of /usr/bin/time -v).
# podman and skopeo always run with scratch stores and configuration (bench/podman-env.mjs).
# hyperfine JSON exports and the RSS figures go to bench/out/ (or $OUT); the summary
# (bench/pull-push-summary.mjs) prints the table, then the CPU time of each row (steadier than
# wall time on a shared machine). bench/transfer-profile.md takes the pipeline apart: where
# the time goes, and what bounds the pull goals on 2 cores.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
RUNS=${RUNS:-5}
OUT=${OUT:-$repo/bench/out}

# shellcheck source=bench/lib.sh
source "$here/lib.sh"
need node podman skopeo hyperfine /usr/bin/time /usr/bin/docker-registry
ensure_built cli/berth.cjs test/helpers/registry.js

node_env_note
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
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

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

archive=$work/text-archive.tar
$skopeo_cmd copy -q "oci:$layout:text" "docker-archive:$archive:bench/text:1"

broot=$work/berth-store
aroot=$work/berth-archive-store
skdir=$work/skopeo-oci
berth="node $(printf %q "$repo/dist/cli/berth.cjs") --root $(printf %q "$broot")"
berth_archive="node $(printf %q "$repo/dist/cli/berth.cjs") --root $(printf %q "$aroot")"
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
  podman_row=()
  [ "$img" = text ] && podman_row=(--prepare "$empty_podman" -n "podman pull" "$podman pull -q --tls-verify=false $ref")
  echo "== pull $img into empty stores ($RUNS runs each) ==" >&2
  "${hf[@]}" --export-json "$OUT/pull-$img.json" \
    --prepare "$empty_berth" -n "berth pull" "$berth pull -q --tls-verify=false $ref" \
    --prepare "$empty_skopeo" -n "skopeo copy" "$skopeo_cmd copy -q --src-tls-verify=false docker://$ref oci:$skdir:$img" \
    "${podman_row[@]}" \
    "${codec_rows[@]}"
done

# push of a pulled image: berth's store holds both pulled images, skopeo reads the layout
for img in text random; do
  $berth pull -q --policy missing --tls-verify=false "$SRC/bench/$img:1" >/dev/null
done
for img in text random; do
  echo "== push $img (pulled) to an empty registry ($RUNS runs each) ==" >&2
  "${hf[@]}" --export-json "$OUT/push-$img.json" \
    --prepare "$empty_registry" -n "berth push" "$berth push -q --tls-verify=false $SRC/bench/$img:1 $DST/bench/$img:1" \
    --prepare "$empty_registry" -n "skopeo copy" "$skopeo_cmd copy -q --dest-tls-verify=false oci:$layout:$img docker://$DST/bench/$img:1"
done

# push of a loaded docker-archive: both load the same archive into empty stores first.
# Both remember which compressed blobs their earlier pushes made (berth's blob info cache in
# its index, podman's blob-info-cache in its store) and would reuse those the registry holds:
# emptying the registry before every run leaves nothing to reuse, so every run compresses.
rm -rf "$aroot"
$berth_archive load -q -i "$archive" >/dev/null
eval "$empty_podman"
$podman load -q -i "$archive" >/dev/null
echo "== push text (loaded from a docker-archive: compressed on the way) to an empty registry ($RUNS runs each) ==" >&2
"${hf[@]}" --export-json "$OUT/push-archive.json" \
  --prepare "$empty_registry" -n "berth push" "$berth_archive push -q --tls-verify=false bench/text:1 $DST/bench/archive:1" \
  --prepare "$empty_registry" -n "podman push" "$podman push -q --tls-verify=false bench/text:1 $DST/bench/archive:1"

echo "== peak RSS (/usr/bin/time -v, max of 3 runs) ==" >&2
berth_cmd=(node "$repo/dist/cli/berth.cjs" --root "$broot")
{
  # pushes first: the store holds both images now; the pulls empty it
  for img in text random; do
    peak "berth push $img" "$empty_registry" "${berth_cmd[@]}" push -q --tls-verify=false "$SRC/bench/$img:1" "$DST/bench/$img:1"
  done
  peak "berth push archive" "$empty_registry" node "$repo/dist/cli/berth.cjs" --root "$aroot" push -q --tls-verify=false bench/text:1 "$DST/bench/archive:1"
  for img in text random; do
    peak "berth pull $img" "$empty_berth" "${berth_cmd[@]}" pull -q --tls-verify=false "$SRC/bench/$img:1"
  done
} >"$OUT/pull-push-rss.tsv"

echo
echo "machine: $(nproc) cores; load average before / after: $load_before / $(cut -d' ' -f1-3 /proc/loadavg)"
node "$here/pull-push-summary.mjs" "$OUT" "$work/images.txt"
