#!/usr/bin/env bash
# Benchmark berth load/save against podman load/save (not part of the test suite).
#
#   bash bench/load-save.sh            # ~300 MB random (incompressible) 3-layer archive
#   CONTENT=text SIZE_MB=300 RUNS=10 bash bench/load-save.sh
#
# Prints the goal table of issue 10 (load <= 0.25x podman, save <= 0.5x podman, peak RSS <=
# 150 MB). Builds a docker-archive, then with hyperfine (a --prepare empties the stores before every
# run) measures `berth load` vs `podman load` into empty scratch stores, and `berth save` vs
# `podman save` of the loaded image. Peak RSS comes from /usr/bin/time -v. podman always runs
# with a private vfs store and scratch configuration (test/helpers/tools.ts scratchPodman).
# hyperfine JSON exports and the RSS figures go to bench/out/ (or $OUT).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
RUNS=${RUNS:-5}
CONTENT=${CONTENT:-random}
SIZE_MB=${SIZE_MB:-300}
OUT=${OUT:-$repo/bench/out}

# shellcheck source=bench/lib.sh
source "$here/lib.sh"
need node podman hyperfine /usr/bin/time
ensure_built cli/berth.cjs test/helpers/archives.js

bench_workdir load-save

archive=$work/image.tar
echo "building a ${SIZE_MB} MB ${CONTENT} 3-layer docker-archive..." >&2
image_id=$(node "$here/make-archive.mjs" "$archive" "$CONTENT" "$SIZE_MB")
name=example.com/bench/image:latest
echo "image $image_id ($(du -h "$archive" | cut -f1))" >&2

eval "$(node "$here/podman-env.mjs")"   # exports HOME, CONTAINERS_*, ...; sets PODMAN_ARGS
broot=$work/berth-store
berth="node $(printf %q "$repo/dist/cli/berth.cjs") --root $(printf %q "$broot")"
podman="podman$(printf ' %q' "${PODMAN_ARGS[@]}")"
empty_berth="rm -rf $(printf %q "$broot")"
empty_podman="rm -rf $(printf %q "$PODMAN_ROOT") $(printf %q "$PODMAN_RUNROOT")"
q_archive=$(printf %q "$archive")

echo "== load into empty stores ($RUNS runs each) ==" >&2
hyperfine --style basic --warmup 1 --runs "$RUNS" --export-json "$OUT/load.json" \
  --prepare "$empty_berth" -n 'berth load' "$berth load -q -i $q_archive" \
  --prepare "$empty_podman" -n 'podman load' "$podman load -q -i $q_archive"

# both stores hold the image now (the last run's); make sure, then time save
$berth load -q -i "$archive" >/dev/null
$podman load -q -i "$archive" >/dev/null
out_file=$work/saved.tar
q_out=$(printf %q "$out_file")
echo "== save to a new file ($RUNS runs each) ==" >&2
hyperfine --style basic --warmup 1 --runs "$RUNS" --export-json "$OUT/save.json" \
  --prepare "rm -f $q_out" -n 'berth save' "$berth save -q -o $q_out $name" \
  --prepare "rm -f $q_out" -n 'podman save' "$podman save -q -o $q_out $name"

echo "== peak RSS (/usr/bin/time -v, max of 3 runs) ==" >&2
berth_cmd=(node "$repo/dist/cli/berth.cjs" --root "$broot")
{
  peak 'berth load' "$empty_berth" "${berth_cmd[@]}" load -q -i "$archive"
  peak 'podman load' "$empty_podman" podman "${PODMAN_ARGS[@]}" load -q -i "$archive"
  peak 'berth save' "rm -f $q_out" "${berth_cmd[@]}" save -q -o "$out_file" "$name"
  peak 'podman save' "rm -f $q_out" podman "${PODMAN_ARGS[@]}" save -q -o "$out_file" "$name"
} >"$OUT/rss.tsv"

echo
node "$here/summarize.mjs" "$OUT/load.json" "$OUT/save.json" "$OUT/rss.tsv"
