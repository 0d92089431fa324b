#!/usr/bin/env bash
# Benchmark the listing and single-image commands against podman (not part of the test suite).
#
#   bash bench/images.sh                  # 1,000 names (200 images x 5) and 10,000 names (500 x 20)
#   RUNS=30 bash bench/images.sh
#   ROUNDS=1 bash bench/images.sh         # each command's runs in one block (default: 5 rounds)
#   PODMAN_10K=0 bash bench/images.sh     # no podman store of 10,000 names (its load takes long):
#                                         # the 10,000-name row is compared with node only
#
# Builds two berth stores with berth's own import (bench/images-store.mjs), copies each into a
# scratch podman store (private vfs root, scratch config: bench/podman-env.mjs) through
# `berth save -m` + `podman load`, then measures with hyperfine, all in one run, `node -e 0`
# in the same hyperfine calls as the commands it is compared with. The RUNS runs of each command
# are spread over ROUNDS rounds, each round one hyperfine call over all the commands of a group
# (bench/merge-hyperfine.mjs puts the rounds together): when the machine's speed drifts (other
# work on it), every command sees the slow spells alike, where blocks of runs one command after
# the other gave each its own spell (margins over `node -e 0` moved by 20 ms between two runs).
#   - 1,000 names: `images`, `images --filter reference=`, `images --filter label=`,
#     `images --format json`, `inspect`, `tag`, `image exists`, berth and podman;
#   - 10,000 names: `images`, berth and podman;
#   - peak RSS of every berth command (/usr/bin/time -v, max of 3 runs).
# bench/images-summary.mjs prints the goal table: berth, podman, node start, the ratio or the
# excess over node start, the goal and whether it is met. hyperfine JSON exports go to
# bench/out/ (or $OUT).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
RUNS=${RUNS:-20}
ROUNDS=${ROUNDS:-5}
PODMAN_10K=${PODMAN_10K:-1}
OUT=${OUT:-$repo/bench/out}

# shellcheck source=bench/lib.sh
source "$here/lib.sh"
need node podman hyperfine /usr/bin/time
ensure_built cli/berth.cjs src/images/list.js test/helpers/tools.js
[ -f "$repo/dist/cli/bundle.cjs" ] && [ -f "$repo/dist/cli/light.cjs" ] || (cd "$repo" && node scripts/bundle.mjs)

node_env_note
work=$(mktemp -d "${TMPDIR:-/tmp}/berth-bench-images.XXXXXX")
PODMAN_DIRS=()
cleanup() {
  for d in "${PODMAN_DIRS[@]}"; do rm -rf "$d"; done
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$OUT"
export TZ=UTC
cli=$repo/dist/cli/berth.cjs # the executable users run (package.json "bin")
base_tmp=${TMPDIR:-/tmp} # each scratch podman sets TMPDIR; the next one starts from here again

# setup NAME IMAGES NAMES DANGLING [PODMAN]: a berth store $work/NAME and (unless PODMAN is 0) a
# podman store with the same images; sets berth_NAME (command prefix), podman_NAME (args array
# name), image_NAME.
setup() {
  local label=$1 images=$2 names=$3 dangling=$4 with_podman=${5:-1}
  local broot=$work/$label
  echo "building a berth store: $images images x $names names + $dangling dangling..." >&2
  node "$here/images-store.mjs" "$broot" "$images" "$names" "$dangling" >"$work/$label.refs"
  local -a refs
  mapfile -t refs <"$work/$label.refs"
  printf -v "berth_$label" 'node %q --root %q' "$cli" "$broot"
  printf -v "image_$label" '%s' "${refs[0]}"
  [ "$with_podman" = 0 ] && return
  node "$cli" --root "$broot" save -q -m -o "$work/$label.tar" "${refs[@]}"
  eval "$(TMPDIR=$base_tmp node "$here/podman-env.mjs")" # exports HOME, CONTAINERS_*, ...; sets PODMAN_ARGS, PODMAN_DIR
  PODMAN_DIRS+=("$PODMAN_DIR")
  echo "loading the same images into a scratch podman store..." >&2
  podman "${PODMAN_ARGS[@]}" load -q -i "$work/$label.tar" >/dev/null
  rm -f "$work/$label.tar"
  local nb np
  nb=$(node "$cli" --root "$broot" images -a --noheading | wc -l)
  np=$(podman "${PODMAN_ARGS[@]}" images -a --noheading | wc -l)
  echo "rows listed: berth $nb, podman $np" >&2
  [ "$nb" = "$np" ] || { echo "bench: the stores differ" >&2; exit 1; }
  printf -v "podman_$label" 'podman%s' "$(printf ' %q' "${PODMAN_ARGS[@]}")"
}

setup n1k 200 5 5
setup n10k 500 20 5 "$PODMAN_10K"
b=$berth_n1k p=$podman_n1k img=$image_n1k
# hf FILE -n NAME COMMAND ...: the commands' RUNS runs in ROUNDS rounds, merged into FILE
hf() {
  local file=$1 r per=$(((RUNS + ROUNDS - 1) / ROUNDS))
  shift
  for r in $(seq "$ROUNDS"); do
    hyperfine -N --warmup 1 --runs "$per" --style none --export-json "$work/round-$r.json" "$@"
  done
  node "$here/merge-hyperfine.mjs" "$file" $(seq -f "$work/round-%g.json" "$ROUNDS")
}

echo "== 1,000 names ($RUNS runs each in $ROUNDS rounds) ==" >&2
hf "$OUT/images-1k.json" \
  -n 'node -e 0' 'node -e 0' \
  -n 'berth images' "$b images" \
  -n 'podman images' "$p images" \
  -n 'berth images --filter reference' "$b images --filter reference=bench.example.com/team3/*" \
  -n 'podman images --filter reference' "$p images --filter reference=bench.example.com/team3/*" \
  -n 'berth images --filter label' "$b images --filter label=tier=gold" \
  -n 'podman images --filter label' "$p images --filter label=tier=gold" \
  -n 'berth images --format json' "$b images --format json" \
  -n 'podman images --format json' "$p images --format json"
hf "$OUT/images-single.json" \
  -n 'node -e 0' 'node -e 0' \
  -n 'berth inspect' "$b inspect $img" \
  -n 'podman inspect' "$p image inspect $img" \
  -n 'berth tag' "$b tag $img bench.example.com/extra/name:1" \
  -n 'podman tag' "$p tag $img bench.example.com/extra/name:1" \
  -n 'berth image exists' "$b image exists $img" \
  -n 'podman image exists' "$p image exists $img"
p10=()
[ -n "${podman_n10k:-}" ] && p10=(-n 'podman images' "$podman_n10k images")
echo "== 10,000 names ($RUNS runs each in $ROUNDS rounds) ==" >&2
hf "$OUT/images-10k.json" \
  -n 'node -e 0' 'node -e 0' \
  -n 'berth images' "$berth_n10k images" "${p10[@]}"

echo "== peak RSS (/usr/bin/time -v, max of 3 runs) ==" >&2
read -r -a bk <<<"$b"
read -r -a bk10 <<<"$berth_n10k"
{
  peak 'images' : "${bk[@]}" images
  peak 'images --filter reference' : "${bk[@]}" images --filter 'reference=bench.example.com/team3/*'
  peak 'images --filter label' : "${bk[@]}" images --filter label=tier=gold
  peak 'images --format json' : "${bk[@]}" images --format json
  peak 'inspect' : "${bk[@]}" inspect "$img"
  peak 'tag' : "${bk[@]}" tag "$img" bench.example.com/extra/name:1
  peak 'image exists' : "${bk[@]}" image exists "$img"
  peak 'images, 10,000 names' : "${bk10[@]}" images
} >"$OUT/images-rss.tsv"

echo
node "$here/images-summary.mjs" "$OUT/images-1k.json" "$OUT/images-single.json" "$OUT/images-10k.json" "$OUT/images-rss.tsv"
