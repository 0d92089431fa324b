#!/usr/bin/env bash
# A real berth run in a scratch store: import a root filesystem, list it, save it, load it into a
# second store, and check both stores.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# a scratch home with a policy.json: a fresh machine may have no /etc/containers/policy.json
# (podman's and skopeo's packages install one), and berth, as podman, refuses to copy without one
mkdir -p "$work/home/.config/containers"
printf '{"default":[{"type":"insecureAcceptAnything"}]}\n' >"$work/home/.config/containers/policy.json"
berth() { HOME=$work/home node dist/cli/berth.cjs "$@"; }
mkdir -p "$work/rootfs/etc" && echo "hello from berth" > "$work/rootfs/etc/motd"
tar -C "$work/rootfs" -czf "$work/rootfs.tar.gz" .
id=$(berth --root "$work/a" import -c 'CMD ["cat","/etc/motd"]' -c 'LABEL demo=yes' "$work/rootfs.tar.gz" demo:1)
echo "imported image $id"
berth --root "$work/a" images 2>/dev/null || true
berth --root "$work/a" save -o "$work/demo.tar" demo:1
berth --root "$work/b" load -i "$work/demo.tar"
berth --root "$work/a" system check
berth --root "$work/b" system check
