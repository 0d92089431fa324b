#!/usr/bin/env bash
# Benchmark `berth serve` against the original registry (docker-registry) as the source of
# podman pull and skopeo copy (not part of the test suite). Prints every measurement and,
# per image and client, the ratio of medians (berth serve / docker-registry) of this one run.
#
#   bash bench/serve.sh            # 3 runs per command
#   RUNS=5 bash bench/serve.sh
#
# The bench images of bench/pull-push.sh (bench/pull-push-make.mjs: "text", ~300 MB in 3 gzip
# layers of word-like text, and "random", ~270 MB of incompressible data in 4 layers) are pushed
# to a local docker-registry with skopeo, pulled into a berth store, and that store is served
# with `berth serve` on 127.0.0.1. Before timing, the digests are checked: the manifest bytes
# served (skopeo inspect --raw), the digest podman records after pulling, and the manifest and
# layer digests skopeo copies into an OCI layout must be the registry's. Then, with hyperfine,
# every run into an empty destination (--prepare): podman pull (scratch vfs store) and
# skopeo copy docker://... oci:DIR, from the registry and from berth serve. Where a docker client
# is installed, `docker pull` through berth's Docker API service (`berth system service` on a
# scratch store and socket) from berth serve and from the registry must record the same digest.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
RUNS=${RUNS:-3}
OUT=${OUT:-$repo/bench/out}

# shellcheck source=bench/lib.sh
source "$here/lib.sh"
need node podman skopeo hyperfine /usr/bin/docker-registry
ensure_built cli/berth.cjs test/helpers/registry.js

bench_workdir serve
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

echo "generating the images (OCI layout)..." >&2
layout=$work/layout
node "$here/pull-push-make.mjs" "$layout" >"$work/images.txt"

start_registries

eval "$(node "$here/podman-env.mjs")"   # exports HOME, CONTAINERS_*, REGISTRY_AUTH_FILE, ...; sets PODMAN_ARGS
policy=$HOME/.config/containers/policy.json
skopeo_cmd="skopeo --policy $(printf %q "$policy") --tmpdir $(printf %q "$TMPDIR")"
broot=$work/berth-store
berth=(node "$repo/dist/cli/berth.cjs" --root "$broot")
for img in text random; do
  $skopeo_cmd copy -q --dest-tls-verify=false "oci:$layout:$img" "docker://$REG/bench/$img:1"
  "${berth[@]}" pull -q --tls-verify=false "$REG/bench/$img:1" >/dev/null
done

background "${berth[@]}" serve --addr 127.0.0.1:0 >"$work/serve.out" 2>"$work/serve.err"
SERVE_PID=$BG_LAST
wait_until 'berth serve' "$work/serve.err" grep -q '^Listening on ' "$work/serve.out"
SERVE=$(sed -n 's#^Listening on http://##p' "$work/serve.out")
echo "registry: $REG; berth serve: $SERVE" >&2

podman="podman$(printf ' %q' "${PODMAN_ARGS[@]}")"
skdir=$work/skopeo-oci
empty_podman="rm -rf $(printf %q "$PODMAN_ROOT") $(printf %q "$PODMAN_RUNROOT")"
empty_skopeo="rm -rf $(printf %q "$skdir")"

echo "== digests: berth serve against the registry ==" >&2
sha() { sha256sum | cut -d' ' -f1; }
for img in text random; do
  want=sha256:$($skopeo_cmd inspect --raw --tls-verify=false "docker://$REG/bench/$img:1" | sha)
  got=sha256:$($skopeo_cmd inspect --raw --tls-verify=false "docker://$SERVE/bench/$img:1" | sha)
  [ "$want" = "$got" ] || { echo "bench: $img: berth serve gives manifest $got, the registry $want" >&2; exit 1; }
  eval "$empty_podman"
  $podman pull -q --tls-verify=false "$SERVE/bench/$img:1" >/dev/null
  pd=$($podman inspect --format '{{.Digest}}' "$SERVE/bench/$img:1")
  [ "$pd" = "$want" ] || { echo "bench: $img: podman pulled $pd from berth serve, the registry has $want" >&2; exit 1; }
  rm -rf "$skdir"
  $skopeo_cmd copy -q --src-tls-verify=false "docker://$SERVE/bench/$img:1" "oci:$skdir:$img"
  sd=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).manifests[0].digest)' "$skdir/index.json")
  [ "$sd" = "$want" ] || { echo "bench: $img: skopeo copied $sd from berth serve, the registry has $want" >&2; exit 1; }
  for f in "$skdir"/blobs/sha256/*; do
    [ "sha256:$(sha <"$f")" = "sha256:$(basename "$f")" ] || { echo "bench: $img: blob $f does not match its digest" >&2; exit 1; }
  done
  echo "  $img: $want (manifest bytes, podman's digest, skopeo's layout and blobs agree)" >&2
done

if command -v docker >/dev/null 2>&1; then
  echo "== digests: docker pull (through berth system service) from berth serve and from the registry ==" >&2
  sock=$work/docker.sock
  background node "$repo/dist/cli/berth.cjs" --root "$work/docker-store" system service --time 0 "unix://$sock" 2>"$work/service.err"
  service_pid=$BG_LAST
  wait_until 'berth system service' "$work/service.err" ping_socket "$sock"
  mkdir -p "$work/docker-config"
  dock() { DOCKER_HOST="unix://$sock" DOCKER_CONFIG="$work/docker-config" docker "$@" </dev/null; }
  for img in text random; do
    want=sha256:$($skopeo_cmd inspect --raw --tls-verify=false "docker://$REG/bench/$img:1" | sha)
    for src in "$SERVE" "$REG"; do
      dock pull -q "$src/bench/$img:1" >/dev/null
      got=$(dock image inspect --format '{{index .RepoDigests 0}}' "$src/bench/$img:1")
      [ "${got#*@}" = "$want" ] || { echo "bench: $img: docker pulled $got from $src, the registry has $want" >&2; exit 1; }
    done
    echo "  $img: docker pull from berth serve and from the registry: $want" >&2
  done
  stop_background "$service_pid"
else
  echo "== no docker client: the docker pull digest check is skipped ==" >&2
fi

hf=(hyperfine -N --style basic --warmup 1 --runs "$RUNS")
for img in text random; do
  echo "== $img: podman pull and skopeo copy, from the registry and from berth serve ($RUNS runs each) ==" >&2
  "${hf[@]}" --export-json "$OUT/serve-$img.json" \
    --prepare "$empty_podman" -n "podman pull (registry)" "$podman pull -q --tls-verify=false $REG/bench/$img:1" \
    --prepare "$empty_podman" -n "podman pull (berth serve)" "$podman pull -q --tls-verify=false $SERVE/bench/$img:1" \
    --prepare "$empty_skopeo" -n "skopeo copy (registry)" "$skopeo_cmd copy -q --src-tls-verify=false docker://$REG/bench/$img:1 oci:$skdir:$img" \
    --prepare "$empty_skopeo" -n "skopeo copy (berth serve)" "$skopeo_cmd copy -q --src-tls-verify=false docker://$SERVE/bench/$img:1 oci:$skdir:$img"
done
kill -0 "$SERVE_PID" || { echo "bench: berth serve died:" >&2; cat "$work/serve.err" >&2; exit 1; }

echo
echo "machine: $(nproc) cores; load average before / after: $load_before / $(cut -d' ' -f1-3 /proc/loadavg)"
node "$here/serve-summary.mjs" "$OUT" "$work/images.txt"
