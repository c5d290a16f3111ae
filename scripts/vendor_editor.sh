#!/usr/bin/env bash
# Vendors Leaflet-Geoman (the editor page's vertex editing, snapping and line drawing) from
# the npm registry into maps/static/vendor/leaflet-geoman, so /editor works on a closed
# network. Run by hand when upgrading; the copy is committed with its licence and version.
set -euo pipefail
GEOMAN=${GEOMAN:-@geoman-io/leaflet-geoman-free@2.20.2}
here=$(cd "$(dirname "$0")/.." && pwd)
vendor="$here/maps/static/vendor/leaflet-geoman"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "$GEOMAN" >/dev/null
mkdir geoman
tar xzf geoman-io-leaflet-geoman-free-*.tgz -C geoman --strip-components=1
rm -rf "$vendor"
mkdir -p "$vendor"
cp geoman/dist/leaflet-geoman.min.js geoman/dist/leaflet-geoman.css geoman/LICENSE "$vendor/"
# The files end with a sourceMappingURL to maps we do not ship: drop it (no 404s).
sed -i 's#//\# sourceMappingURL=[^ ]*$##; s#/\*\# sourceMappingURL=[^ ]* \*/##' \
  "$vendor/leaflet-geoman.min.js" "$vendor/leaflet-geoman.css"
if grep -q 'sourceMappingURL' "$vendor/leaflet-geoman.min.js" "$vendor/leaflet-geoman.css"; then
  echo "a sourceMappingURL is left: update the patch above" >&2; exit 1
fi
node -e 'const p=require(process.argv[1]); console.log(`${p.name} ${p.version} (${p.license}) from the npm registry`)' \
  "$work/geoman/package.json" > "$vendor/VERSION.txt"
sha256sum geoman-io-*.tgz | sed 's#  # #' >> "$vendor/VERSION.txt"
cat "$vendor/VERSION.txt"
