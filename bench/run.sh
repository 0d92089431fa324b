#!/usr/bin/env bash
# Every side-by-side benchmark in turn (`npm run bench`); RUNS and the scripts' other settings
# pass through. Exits non-zero when any script does (a missed goal or a failure), after all ran.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
status=0
for script in images load-save pull-push copy-mount rootfs service serve; do
  echo "== bench/$script.sh ==" >&2
  bash "$here/$script.sh" || status=1
done
exit "$status"
