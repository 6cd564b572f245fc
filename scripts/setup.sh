#!/usr/bin/env bash
# Sets up a fresh Debian machine for veesion-bridge: Debian's speech and audio tools (only
# those missing), the npm packages from package-lock.json, and the build in dist/.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v espeak-ng >/dev/null 2>&1 || need+=(espeak-ng)
command -v text2wave >/dev/null 2>&1 || need+=(festival festvox-kallpc16k)
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
command -v g++ >/dev/null 2>&1 || need+=(g++ make)           # better-sqlite3 builds from source
command -v python3 >/dev/null 2>&1 || need+=(python3)         # node-gyp; the sd_notify test's listener
command -v systemd-notify >/dev/null 2>&1 || need+=(systemd)  # sd_notify, systemd-analyze verify
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "setup: installing Debian packages: ${need[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi

echo "setup: npm ci" >&2
npm ci --no-audit --no-fund >&2
echo "setup: build" >&2
npm run build >&2
echo "setup: done" >&2
