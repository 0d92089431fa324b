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
