#!/usr/bin/env bash
# Install berth's dependencies and build it. Debian packages are only needed for the interop
# tests and benchmarks; berth itself needs Node.js 20, npm and (for xz/bzip2/zstd push) those tools.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  missing=()
  for pair in zstd:zstd xz:xz-utils bzip2:bzip2; do command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}"); done
  if [ ${#missing[@]} -gt 0 ]; then DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; fi
fi
npm ci --no-audit --no-fund
npm run build
echo "berth built: run it with 'node dist/cli/berth.cjs' (or 'npm link' for a 'berth' command)"
