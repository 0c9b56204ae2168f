#!/usr/bin/env bash
# Re-vendor the front-end files from the npm registry. Nothing is fetched at run time:
# the built files live in src/buurtbeeld/web/static/vendor (and axe-core for the tests).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
cd "$tmp"
npm init -y >/dev/null
npm install --no-audit --no-fund \
  maplibre-gl@6.17.0 \
  @utrecht/component-library-css@9.0.4 \
  @nl-design-system-unstable/voorbeeld-design-tokens@7.4.1 \
  swagger-ui-dist@5.35.0 \
  axe-core@4.14.1
V="$root/src/buurtbeeld/web/static/vendor"
N="$tmp/node_modules"
mkdir -p "$V/maplibre-gl" "$V/nl-design-system" "$V/swagger-ui" "$root/tests/browser/vendor"
cp "$N"/maplibre-gl/dist/{maplibre-gl.mjs,maplibre-gl-worker.mjs,maplibre-gl.css} "$N/maplibre-gl/LICENSE.txt" "$V/maplibre-gl/"
cp "$N/@utrecht/component-library-css/dist/index.css" "$V/nl-design-system/utrecht-component-library.css"
cp "$N/@utrecht/component-library-css/LICENSE.md" "$V/nl-design-system/LICENSE-utrecht-component-library-css.md"
cp "$N/@nl-design-system-unstable/voorbeeld-design-tokens/dist/theme.css" "$V/nl-design-system/voorbeeld-theme.css"
cp "$N/@nl-design-system-unstable/voorbeeld-design-tokens/LICENSE.md" "$V/nl-design-system/LICENSE-voorbeeld-design-tokens.md"
cp "$N"/swagger-ui-dist/{swagger-ui-bundle.js,swagger-ui-bundle.js.LICENSE.txt,swagger-ui.css,favicon-32x32.png,LICENSE,NOTICE} "$V/swagger-ui/"
cp "$N"/axe-core/{axe.min.js,LICENSE} "$root/tests/browser/vendor/"
python "$root/scripts/subset_css.py"  # the part of the NL Design System CSS the pages use
echo "vendored into $V"
