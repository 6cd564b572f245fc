#!/usr/bin/env bash
# Builds release/veesion-bridge_<version>_amd64.deb with Debian's dpkg-deb: its own Node runtime
# (.node-version, the one setup.sh brings), the built code (dist/src), production dependencies
# with better-sqlite3 built for that runtime, sounds/, the systemd unit, /usr/bin/veesion-bridge,
# the Asterisk files and the maintainer scripts of deploy/. Run by `npm run package`; progress
# goes to stderr, the .deb's path to stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
umask 022
say() { echo "package: $*" >&2; }

version=$(scripts/node -p 'require("./package.json").version')
node_version=$(cat .node-version)
deb="release/veesion-bridge_${version}_amd64.deb"
stage=release/stage
root="$stage/root"
lib="$root/usr/lib/veesion-bridge"
command -v dpkg-deb >/dev/null || { say "dpkg-deb is missing (Debian's dpkg package)"; exit 1; }

# The full runtime (with headers, should better-sqlite3 need building): setup's when it is that
# version, else fetched once into release/.
runtime=.runtime
if [ "$(.runtime/bin/node -v 2>/dev/null)" != "v$node_version" ]; then
  runtime="release/node-$node_version"
  scripts/fetch-node.sh "$node_version" "$runtime"
fi
runtime=$(readlink -f "$runtime")

say "staging veesion-bridge $version with Node $node_version in $stage"
rm -rf "$stage"
mkdir -p "$lib/node/bin" "$root/usr/bin" "$root/lib/systemd/system" "$root/etc/default" \
  "$root/usr/share/veesion-bridge/asterisk" "$root/usr/share/veesion-bridge/systemd" \
  "$root/usr/share/doc/veesion-bridge/examples" "$root/DEBIAN"
cp "$runtime/bin/node" "$lib/node/bin/node"
cp "$runtime/LICENSE" "$lib/node/LICENSE"
cp package.json package-lock.json "$lib/"
# A build of its own: dist/ may hold modules whose sources are gone, and tests may be using it.
say "tsc (src/ only, no source maps)"
scripts/node node_modules/typescript/bin/tsc -p tsconfig.build.json --outDir "$stage/tsc" --sourceMap false
mkdir -p "$lib/dist"
mv "$stage/tsc/src" "$lib/dist/src"
rm -rf "$stage/tsc"
cp -r sounds "$lib/sounds"
# The console's page, styles and script (not compiled: served as they are, beside their router).
cp -r src/console/assets "$lib/dist/src/console/assets"

say "npm ci --omit=dev (production dependencies)"
(cd "$lib" && PATH="$runtime/bin:$PATH" npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >&2)

# better-sqlite3's native module: the checkout's when the packaged Node loads it (same ABI),
# else built for the packaged Node from its headers.
sqlite="$lib/node_modules/better-sqlite3"
probe="new (require('$(readlink -f "$sqlite")'))(':memory:').prepare('select 1 as one').get().one === 1 || process.exit(1)"
mkdir -p "$sqlite/build/Release"
if cp node_modules/better-sqlite3/build/Release/better_sqlite3.node "$sqlite/build/Release/" 2>/dev/null &&
  cmp -s node_modules/better-sqlite3/package.json "$sqlite/package.json" &&
  "$lib/node/bin/node" -e "$probe" 2>/dev/null; then
  say "better-sqlite3: the checkout's build loads in Node $node_version, reused"
else
  say "better-sqlite3: building for Node $node_version (a minute or two)"
  rm -rf "$sqlite/build"
  (cd "$lib" && PATH="$runtime/bin:$PATH" npm_config_nodedir="$runtime" npm rebuild better-sqlite3 --loglevel=error >&2)
  "$lib/node/bin/node" -e "$probe"
  find "$sqlite/build" -mindepth 1 -maxdepth 1 ! -name Release -exec rm -rf {} +
  find "$sqlite/build/Release" -mindepth 1 ! -name better_sqlite3.node -exec rm -rf {} +
fi
# Not needed to run: better-sqlite3's C sources, type declarations, source maps.
rm -rf "$sqlite/deps" "$sqlite/src"
find "$lib/node_modules" -type f \( -name '*.map' -o -name '*.d.ts' -o -name '*.d.[cm]ts' \) -delete

install -m 0755 deploy/debian/veesion-bridge "$root/usr/bin/veesion-bridge"
install -m 0644 deploy/veesion-bridge.service "$root/lib/systemd/system/"
install -m 0644 deploy/debian/default "$root/etc/default/veesion-bridge"
install -m 0644 deploy/asterisk/*.conf "$root/usr/share/veesion-bridge/asterisk/"
install -m 0644 deploy/systemd/callfile-spool.conf "$root/usr/share/veesion-bridge/systemd/"
install -m 0644 README.md "$root/usr/share/doc/veesion-bridge/"
install -m 0644 deploy/examples/env.custom.ini deploy/examples/x-hoppers.json "$root/usr/share/doc/veesion-bridge/examples/"
install -m 0644 .env.example "$root/usr/share/doc/veesion-bridge/examples/all-settings.ini"
install -m 0755 deploy/debian/postinst deploy/debian/prerm deploy/debian/postrm "$root/DEBIAN/"
echo /etc/default/veesion-bridge > "$root/DEBIAN/conffiles"
chmod -R u+rwX,go+rX,go-w "$root"

size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@INSTALLED_SIZE@/$size/" deploy/debian/control.in > "$root/DEBIAN/control"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) > "$root/DEBIAN/md5sums"

say "dpkg-deb --build ($((size / 1024)) MiB installed)"
rm -f "$deb"
# zstd -9: measured on 2 cores, 43 MB in 6 s (gzip -6: 53 MB in 7 s; xz -6: 34 MB in 115 s).
# dpkg reads zstd since 1.21.18 (Debian 12); the Depends on libc6 2.34 excludes older ones anyway.
dpkg-deb --root-owner-group -Zzstd -z9 --build "$root" "$deb" >&2
rm -rf "$stage"
say "built $deb"
echo "$deb"
