#!/usr/bin/env bash
# Vendors Swagger UI and ReDoc from the npm registry into maps/static/vendor, so /docs and
# /redoc work on a closed network. Run by hand when upgrading; the copies are committed.
# Only the files the pages load are kept, with the packages' licence files.
set -euo pipefail
SWAGGER=${SWAGGER:-swagger-ui-dist@5.35.0}
REDOC=${REDOC:-redoc@2.5.4}
here=$(cd "$(dirname "$0")/.." && pwd)
vendor="$here/maps/static/vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "$SWAGGER" "$REDOC" >/dev/null
mkdir swagger redoc
tar xzf swagger-ui-dist-*.tgz -C swagger --strip-components=1
tar xzf redoc-*.tgz -C redoc --strip-components=1
rm -rf "$vendor/swagger-ui" "$vendor/redoc"
mkdir -p "$vendor/swagger-ui" "$vendor/redoc"
cp swagger/{swagger-ui-bundle.js,swagger-ui.css,favicon-32x32.png,LICENSE,NOTICE} \
   swagger/swagger-ui-bundle.js.LICENSE.txt "$vendor/swagger-ui/"
cp redoc/bundles/redoc.standalone.js redoc/bundles/redoc.standalone.js.LICENSE.txt \
   redoc/LICENSE "$vendor/redoc/"
# The bundles end with a sourceMappingURL to maps we do not ship: drop it (no 404s).
sed -i '/^\/\/# sourceMappingURL=/d' "$vendor/swagger-ui/swagger-ui-bundle.js" \
  "$vendor/redoc/redoc.standalone.js"
# ReDoc's "API docs by Redocly" badge loads its logo from cdn.redoc.ly: point it at an
# empty data: URL instead, which fails to decode, so the badge hides its image (onError).
sed -i 's#https://cdn.redoc.ly/redoc/logo-mini.svg#data:,#' "$vendor/redoc/redoc.standalone.js"
if grep -q 'cdn.redoc.ly' "$vendor/redoc/redoc.standalone.js"; then
  echo "redoc still names cdn.redoc.ly: update the patch above" >&2; exit 1
fi
for dir in swagger redoc; do
  node -e 'const p=require(process.argv[1]); console.log(`${p.name} ${p.version} (${p.license}) from the npm registry`)' \
    "$work/$dir/package.json"
done > "$vendor/DOCS_VERSIONS.txt"
echo "patched: redoc.standalone.js's Redocly badge logo URL -> data:, (no outside request)" \
  >> "$vendor/DOCS_VERSIONS.txt"
cat "$vendor/DOCS_VERSIONS.txt"
