#!/usr/bin/env bash
# Builds release/veesion-bridge_<version>_amd64.deb with Debian's dpkg-deb: its own Node runtime
# (.node-version, the one setup.sh brings), the built code (dist/src), production dependencies
# with better-sqlite3 built for that runtime, sounds/, the systemd unit, /usr/bin/veesion-bridge,
# the Asterisk files, the manual page, the copyright and changelog Debian asks for, and the
# maintainer scripts of deploy/debian with the configuration check preinst runs before an upgrade.
# Run by `npm run package`; progress goes to stderr, the .deb's path to stdout. `lintian` on the
# result reports no errors.
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
# strip for the binaries, objdump to read the C library versions they need.
for tool in strip objdump; do
  command -v "$tool" >/dev/null || { say "$tool is missing (Debian's binutils package)"; exit 1; }
done

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
doc="$root/usr/share/doc/veesion-bridge"
mkdir -p "$lib/node/bin" "$root/usr/bin" "$root/lib/systemd/system" "$root/etc/default" \
  "$root/usr/share/veesion-bridge/asterisk" "$root/usr/share/veesion-bridge/systemd" \
  "$doc/examples" "$root/usr/share/man/man1" "$root/usr/share/lintian/overrides" "$root/DEBIAN"
cp "$runtime/bin/node" "$lib/node/bin/node"
# Its symbol table serves debuggers only (18 MB); the dynamic symbols native modules link
# against stay.
strip --strip-unneeded "$lib/node/bin/node"
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
# Not needed to run: better-sqlite3's C sources. Its module is stripped (debug symbols only) and
# not executable: Node loads it, nothing runs it.
rm -rf "$sqlite/deps" "$sqlite/src"
find "$lib/node_modules" -type f -name '*.node' -exec strip --strip-unneeded {} + -exec chmod 0644 {} +
"$lib/node/bin/node" -e "$probe"

# What npm modules publish for their own development, none of it needed to run: lint, editor, CI
# and VCS files (every dotfile: .eslintrc, .npmignore, .gitattributes, .github/, npm's own
# .bin/ and .package-lock.json), tests, examples and docs, TypeScript sources and declarations,
# source maps, and the Markdown files that are not licenses.
say "pruning development files from node_modules"
nm="$lib/node_modules"
find "$nm" -mindepth 1 -name '.*' -prune -exec rm -rf {} +
find "$nm" -mindepth 2 -type d \( -name test -o -name tests -o -name __tests__ -o -name example -o -name examples \
  -o -name doc -o -name docs -o -name benchmark -o -name benchmarks -o -name coverage \) -prune -exec rm -rf {} +
find "$nm" -type f \( -name '*.map' -o -name '*.ts' -o -name '*.mts' -o -name '*.cts' -o -name '*.tsbuildinfo' \
  -o -name 'eslint.config.*' -o -name 'tsconfig*.json' \) -delete
find "$nm" -type f \( -iname '*.md' -o -iname '*.markdown' \) ! -iname 'licen[cs]e*' ! -iname 'copying*' ! -iname 'notice*' -delete
find "$nm" -type d -empty -delete
# Node is the only program run from this tree, and the launcher names it: no JavaScript file keeps
# an executable bit or a `#!/usr/bin/env node` line, which would name a `node` outside the
# package (Node skips such a line; an empty one keeps the line numbers of stack traces).
find "$lib/dist" "$nm" -type f -perm /111 -exec chmod a-x {} +
{ grep -rlIZ -m1 '^#!.*node' "$lib/dist" "$nm" || true; } | xargs -0 -r sed -i '1s/^#!.*node.*$//'

install -m 0755 deploy/debian/veesion-bridge "$root/usr/bin/veesion-bridge"
install -m 0644 deploy/veesion-bridge.service "$root/lib/systemd/system/"
install -m 0644 deploy/debian/default "$root/etc/default/veesion-bridge"
install -m 0644 deploy/asterisk/*.conf "$root/usr/share/veesion-bridge/asterisk/"
install -m 0644 deploy/systemd/callfile-spool.conf "$root/usr/share/veesion-bridge/systemd/"
install -m 0644 README.md deploy/debian/copyright "$doc/"
install -m 0644 deploy/examples/env.custom.ini deploy/examples/x-hoppers.json "$doc/examples/"
install -m 0644 .env.example "$doc/examples/all-settings.ini"
install -m 0644 deploy/debian/lintian-overrides "$root/usr/share/lintian/overrides/veesion-bridge"
gzip -9n < deploy/debian/veesion-bridge.1 > "$root/usr/share/man/man1/veesion-bridge.1.gz"
# A native package (its version has no Debian revision), so changelog.gz. One entry per build,
# dated by the last commit (the same sources give the same file; SOURCE_DATE_EPOCH wins).
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
maintainer=$(sed -n 's/^Maintainer: //p' deploy/debian/control.in)
{
  echo "veesion-bridge ($version) unstable; urgency=medium"
  echo
  echo "  * veesion-bridge $version, with Node.js $node_version. The changes are in"
  echo "    the project's history (git log); how it works:"
  echo "    /usr/share/doc/veesion-bridge/README.md."
  echo
  echo " -- $maintainer  $(LC_ALL=C date -u -R -d "@$epoch")"
} | gzip -9n > "$doc/changelog.gz"

# What the binaries need of the C and C++ runtime libraries: the newest symbol version each
# one uses (objdump -T), turned into the Depends. Node's official build needs little
# (GLIBC_2.28, GLIBCXX_3.4.21); better-sqlite3's module needs what the machine that compiled it
# had, so these follow the build machine.
elves=("$lib/node/bin/node")
while IFS= read -r -d '' f; do elves+=("$f"); done < <(find "$lib" -type f -name '*.node' -print0)
newest() { objdump -T "${elves[@]}" | grep -o "$1_[0-9][0-9.]*" | sed "s/^$1_//" | sort -V | tail -n 1; }
glibc=$(newest GLIBC)
glibcxx=$(newest GLIBCXX)
# The GCC release whose libstdc++ brought each symbol version (Debian's libstdc++6 is versioned
# by GCC release).
case "$glibcxx" in
  3.4.2[0-1]) gcc=5 ;; 3.4.22) gcc=6 ;; 3.4.23) gcc=7 ;; 3.4.24) gcc=7.2 ;; 3.4.25) gcc=8 ;;
  3.4.26) gcc=9 ;; 3.4.27) gcc=9.2 ;; 3.4.28) gcc=9.3 ;; 3.4.29) gcc=11 ;; 3.4.30) gcc=12 ;;
  3.4.31) gcc=13 ;; 3.4.32) gcc=13.2 ;; 3.4.33) gcc=14 ;;
  *) say "GLIBCXX_$glibcxx: which libstdc++6 brings it? (add it to this table)"; exit 1 ;;
esac
shlibs="libc6 (>= $glibc), libstdc++6 (>= $gcc)"
if objdump -p "${elves[@]}" | grep 'NEEDED *libgcc_s\.so\.1' >/dev/null; then shlibs="$shlibs, libgcc-s1"; fi
say "the binaries need $shlibs"

# The configuration check preinst runs before an upgrade replaces anything: this version's
# check-config, self-contained (see deploy/debian/preinst). It is every compiled module, the
# package.json, and the npm modules' files that check-config loads, traced by running it here on
# a valid configuration (the samples with secrets of their own: check-config refuses a sample's
# placeholder) and on an empty one (to load its error paths too). Traced files, not
# whole modules: zod alone is 8 MB, of which check-config loads a few hundred kB. It is run by
# the installed version's Node, so it holds JavaScript only (better-sqlite3 is loaded by the CLI
# but its native part only on opening a journal, which check-config never does).
say "check-config for preinst"
mkdir -p "$stage/checker"
checker=$(readlink -f "$stage/checker")
: > "$checker/empty.ini"
secret=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
sed "s/change-me/$secret/g" deploy/examples/env.custom.ini > "$checker/env.custom.ini"
sed "s/change-me/$secret/g" deploy/examples/x-hoppers.json > "$checker/x-hoppers.json"
"$lib/node/bin/node" - "$(readlink -f "$lib")" "$checker/traced" "$checker/env.custom.ini" "$checker/x-hoppers.json" "$checker/empty.ini" <<'JS' >/dev/null 2>"$checker/trace.log" || { cat "$checker/trace.log" >&2; exit 1; }
const [lib, out, env, stores, empty] = process.argv.slice(2);
const { main } = require(`${lib}/dist/src/cli/main.js`);
(async () => {
  const valid = await main(['node', 'veesion-bridge', 'check-config', '--env-file', env, '--stores-file', stores]);
  const invalid = await main(['node', 'veesion-bridge', 'check-config', '--env-file', empty, '--stores-file', stores]);
  if (valid !== 0 || invalid !== 78) throw new Error(`check-config answered ${valid} and ${invalid}, not 0 and 78`);
  const files = Object.keys(require.cache).filter((f) => f.startsWith(`${lib}/node_modules/`)).map((f) => f.slice(lib.length + 1));
  require('node:fs').writeFileSync(out, files.join('\n') + '\n');
  process.exit(0);
})();
JS
(
  cd "$lib"
  echo package.json
  find dist/src -type f -name '*.js'
  cat "$checker/traced"
  # The package.json files of the modules traced (Node resolves through them).
  sed -E 's#^((node_modules/(@[^/]+/)?[^/]+/)+).*#\1#' "$checker/traced" | sort -u | while read -r module; do
    find "$module" -name node_modules -prune -o -name package.json -print
  done
) | LC_ALL=C sort -u > "$checker/files"
# A file name with a dot: dpkg leaves such control files out of its database once installed.
tar -C "$lib" --create --file "$root/DEBIAN/check-config.tar" --files-from "$checker/files" \
  --owner=0 --group=0 --numeric-owner --mtime="@$epoch" --mode=u+rw,go+r,go-w
# It must stand alone: unpacked elsewhere it accepts the sample and refuses an empty file.
mkdir -p "$checker/unpacked"
tar -C "$checker/unpacked" -xf "$root/DEBIAN/check-config.tar"
checks() { "$lib/node/bin/node" -- "$checker/unpacked/dist/src/cli/main.js" check-config --env-file "$1" --stores-file "$checker/x-hoppers.json" >/dev/null 2>&1; }
checks "$checker/env.custom.ini" || { say "the preinst's check-config does not run on its own"; exit 1; }
if checks "$checker/empty.ini"; then say "the preinst's check-config accepts an empty configuration"; exit 1; fi
say "check-config for preinst: $(wc -l < "$checker/files") files, $(du -k "$root/DEBIAN/check-config.tar" | cut -f1) kB"
sed "s/@VERSION@/$version/g" deploy/debian/preinst > "$root/DEBIAN/preinst"
install -m 0755 deploy/debian/postinst deploy/debian/prerm deploy/debian/postrm "$root/DEBIAN/"
chmod 0755 "$root/DEBIAN/preinst"
echo /etc/default/veesion-bridge > "$root/DEBIAN/conffiles"
chmod -R u+rwX,go+rX,go-w "$root"

size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@INSTALLED_SIZE@/$size/" -e "s/@SHLIBS@/$shlibs/" deploy/debian/control.in > "$root/DEBIAN/control"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) > "$root/DEBIAN/md5sums"

say "dpkg-deb --build ($((size / 1024)) MiB installed)"
rm -f "$deb"
# xz: every dpkg reads it (zstd only dpkg 1.21.18 and later, Debian 12's; lintian refuses it).
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >&2
rm -rf "$stage"
say "built $deb"
echo "$deb"
