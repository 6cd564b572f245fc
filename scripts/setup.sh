#!/usr/bin/env bash
# Sets up a fresh Debian machine for veesion-bridge: Debian's speech and audio tools (only
# those missing), a supported Node, the npm packages from package-lock.json, and the build in dist/.
# `--tests` also brings what only the test suite needs: Debian's chromium (the console's
# browser tests), postgresql (the shared journal's tests and bench start their own server) and
# lintian (the package test checks the .deb with it).
set -euo pipefail
cd "$(dirname "$0")/.."
tests=false
for arg in "$@"; do
  case "$arg" in
    --tests) tests=true ;;
    *) echo "usage: scripts/setup.sh [--tests]" >&2; exit 2 ;;
  esac
done

need=()
if $tests; then
  command -v chromium >/dev/null 2>&1 || need+=(chromium)     # the console, tested in a real browser
  # The shared journal, tested on a real server the tests start themselves (initdb, postgres).
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  command -v lintian >/dev/null 2>&1 || need+=(lintian)      # the .deb, checked as Debian checks packages
fi
command -v espeak-ng >/dev/null 2>&1 || need+=(espeak-ng)
command -v text2wave >/dev/null 2>&1 || need+=(festival festvox-kallpc16k)
# The voices that follow a store's language: Festival's HTS English and its Italian voice.
[ -d /usr/share/festival/voices/us/cmu_us_slt_arctic_hts ] || need+=(festvox-us-slt-hts)
[ -d /usr/share/festival/voices/italian/lp_diphone ] || need+=(festvox-italp16k)
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
command -v g++ >/dev/null 2>&1 || need+=(g++ make)           # better-sqlite3 builds from source
command -v python3 >/dev/null 2>&1 || need+=(python3)         # node-gyp; the sd_notify test's listener
command -v systemd-notify >/dev/null 2>&1 || need+=(systemd)  # sd_notify, systemd-analyze verify
command -v npm >/dev/null 2>&1 || need+=(npm)                 # fetches everything else, Node included
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "setup: installing Debian packages: ${need[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi

# Node 22 and 24 are the supported lines. An older machine Node (Debian 12 has 18) stays as it
# is; the project gets its own in .runtime/, which scripts/node, bin/veesion-bridge and the npm
# scripts run. npm itself is a script: with .runtime/bin first on PATH it runs under that Node,
# so npm ci builds better-sqlite3 for that Node's ABI, from the headers beside it (nodedir).
# SETUP_NODE=pinned always takes the .node-version runtime (CI: the whole suite on Node 24).
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -ge 22 ] && [ "${SETUP_NODE:-}" != pinned ]; then
  echo "setup: using this machine's Node $(node -v)" >&2
  rm -rf .runtime
  # Its own headers, wherever it is installed (/usr, nvm, a tarball), over a nodedir set for another.
  prefix=$(node -p 'require("path").dirname(require("path").dirname(process.execPath))')
  if [ -f "$prefix/include/node/node_version.h" ]; then export npm_config_nodedir="$prefix"; fi
else
  scripts/fetch-node.sh "$(cat .node-version)" .runtime
  export PATH="$PWD/.runtime/bin:$PATH"
  export npm_config_nodedir="$PWD/.runtime"
  echo "setup: this machine's Node is ${major}${SETUP_NODE:+ (SETUP_NODE=$SETUP_NODE)}: using $(node -v) in .runtime/" >&2
fi

echo "setup: npm ci" >&2
# better-sqlite3 is compiled here when no prebuilt binary can be fetched, and node-gyp now and
# then fails mid-build on a race of its own (ENOENT on build/node_gyp_bins; the same command
# then succeeds): one more try from scratch before giving up, as a red CI lands nothing.
if ! npm ci --no-audit --no-fund >&2; then
  echo "setup: npm ci failed; trying once more" >&2
  npm ci --no-audit --no-fund >&2
fi
echo "setup: build" >&2
npm run build >&2
echo "setup: done" >&2
