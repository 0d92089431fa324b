#!/usr/bin/env bash
# Benchmark a copy between two repositories of one registry (not part of the test suite):
# berth copy against skopeo copy, both of which mount the blobs from the source repository
# instead of downloading and uploading them. Prints every measurement, the ratio of medians
# (berth / skopeo) and the CPU time of each (user + system, steadier on a shared machine).
#
#   bash bench/copy-mount.sh           # 5 runs per command
#   RUNS=10 bash bench/copy-mount.sh
#
# The "text" image of bench/pull-push.sh (bench/pull-push-make.mjs: 3 gzip layers, ~136 MB
# compressed) is pushed with skopeo to bench/text-src:1 of a local docker-registry on
# 127.0.0.1; every run copies it to bench/copy:1 of the same registry, whose repository
# directory is removed before the run (--prepare), so that every run mounts again.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
RUNS=${RUNS:-5}
OUT=${OUT:-$repo/bench/out}

# shellcheck source=bench/lib.sh
source "$here/lib.sh"
need node skopeo hyperfine /usr/bin/docker-registry
ensure_built cli/berth.cjs test/helpers/registry.js

bench_workdir copy-mount
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

echo "generating the images (OCI layout)..." >&2
layout=$work/layout
node "$here/pull-push-make.mjs" "$layout" >"$work/images.txt"

start_registries # the copies run within REG_PUSH, whose storage is $work/reg-push

eval "$(node "$here/podman-env.mjs")"   # exports HOME, CONTAINERS_*, REGISTRY_AUTH_FILE, ...
policy=$HOME/.config/containers/policy.json
skopeo_cmd="skopeo --policy $(printf %q "$policy") --tmpdir $(printf %q "$TMPDIR")"
berth="node $(printf %q "$repo/dist/cli/berth.cjs") --root $(printf %q "$work/berth-store")"
$skopeo_cmd copy -q --dest-tls-verify=false "oci:$layout:text" "docker://$REG_PUSH/bench/text-src:1"

src=docker://$REG_PUSH/bench/text-src:1
dst=docker://$REG_PUSH/bench/copy:1
empty_dst="rm -rf $(printf %q "$work/reg-push/docker/registry/v2/repositories/bench/copy")"
tls="--src-tls-verify=false --dest-tls-verify=false"
echo "== copy text between two repositories of one registry ($RUNS runs each) ==" >&2
hyperfine -N --style basic --warmup 1 --runs "$RUNS" --export-json "$OUT/copy-mount.json" \
  --prepare "$empty_dst" -n "berth copy" "$berth copy -q $tls $src $dst" \
  --prepare "$empty_dst" -n "skopeo copy" "$skopeo_cmd copy -q $tls $src $dst"

echo
echo "machine: $(nproc) cores; load average before / after: $load_before / $(cut -d' ' -f1-3 /proc/loadavg)"
node --input-type=module -e "
import { hyperfineResults, median, printRuns } from '$here/goals.mjs';
const r = hyperfineResults('$OUT/copy-mount.json');
printRuns('copy text (3 layers, mounted) between two repositories of one registry', r);
const cpu = (n) => (r[n].user + r[n].system) * 1000;
console.log('  berth / skopeo: wall (medians) ' + (median(r, 'berth copy') / median(r, 'skopeo copy')).toFixed(2) + 'x, CPU (means) '
  + cpu('berth copy').toFixed(0) + ' ms / ' + cpu('skopeo copy').toFixed(0) + ' ms');
"
