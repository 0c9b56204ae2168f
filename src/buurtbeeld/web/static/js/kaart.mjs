// Choropleth with MapLibre GL (vendored, no external requests): blank style, GeoJSON polygons
// coloured by the server-side legend; hidden cells hatched, missing cells white with a dashed edge.
// The page preloads the library and the GeoJSON; MapLibre's worker fetches and parses the
// GeoJSON itself (no parse and copy on the main thread), which matters for all of NL.
import * as maplibre from "/static/vendor/maplibre-gl/maplibre-gl.mjs";

const lib = maplibre.default ?? maplibre;
// Two workers parse the national map's tiles side by side (MapLibre takes half the cores: 1 here).
if (lib.getWorkerCount() < 2) lib.setWorkerCount(2);
const container = document.getElementById("kaart");

function hatch(size = 8, overlay = false) {
  // overlay: dark lines on transparent ground, drawn over a colour (stapelkaart: few judged)
  const data = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const on = (x + y) % size < (overlay ? 2 : 3);
      const i = (y * size + x) * 4;
      if (overlay) data.set(on ? [0, 0, 0, 150] : [0, 0, 0, 0], i);
      else data.set(on ? [130, 130, 130, 255] : [255, 255, 255, 255], i);
    }
  }
  return { width: size, height: size, data };
}

// Half away from zero like CBS and the server (web/format.py); toPrecision(12) first, so a
// float such as 31.249999999999996 counts as the half 31.25 it stands for.
// signed: a change between two periods (+1,2 / −0,4)
const nf = (d, signed = false) => new Intl.NumberFormat("nl-NL", { minimumFractionDigits: d, maximumFractionDigits: d, roundingMode: "halfExpand", signDisplay: signed ? "exceptZero" : "auto" });
const STATUS = { hidden: "verborgen", missing: "ontbreekt" };

// MapLibre's own words, in Dutch (the page is Dutch: screen readers read these labels).
const LOCALE = {
  "AttributionControl.ToggleAttribution": "Bronvermelding tonen of verbergen",
  "AttributionControl.MapFeedback": "Opmerking over de kaart",
  "FullscreenControl.Enter": "Volledig scherm",
  "FullscreenControl.Exit": "Volledig scherm sluiten",
  "GeolocateControl.FindMyLocation": "Mijn locatie",
  "GeolocateControl.LocationNotAvailable": "Locatie niet beschikbaar",
  "LogoControl.Title": "MapLibre-logo",
  "Map.Title": "Kaart",
  "Marker.Title": "Markering",
  "NavigationControl.ResetBearing": "Sleep om de kaart te draaien, klik om het noorden boven te zetten",
  "NavigationControl.ZoomIn": "Inzoomen",
  "NavigationControl.ZoomOut": "Uitzoomen",
  "Popup.Close": "Pop-up sluiten",
  "ScaleControl.Meters": "m",
  "ScaleControl.Kilometers": "km",
  "CooperativeGesturesHandler.WindowsHelpText": "Gebruik Ctrl + scrollen om in of uit te zoomen",
  "CooperativeGesturesHandler.MacHelpText": "Gebruik ⌘ + scrollen om in of uit te zoomen",
  "CooperativeGesturesHandler.MobileHelpText": "Gebruik twee vingers om de kaart te verschuiven",
};

// Grey dots on white: regions without figures ("ontbreekt", "geen cijfers"), distinguishable
// from white ("0 van N") and from the lightest colour class, also in grey-scale print.
function dots(size = 6) {
  const data = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const on = (x % size < 2) && (y % size < 2);
      data.set(on ? [90, 90, 90, 255] : [255, 255, 255, 255], (y * size + x) * 4);
    }
  }
  return { width: size, height: size, data };
}

// Names of wijken and buurten, on a canvas over the map in the page's own fonts: MapLibre's
// symbol layers would need glyph files (PBF) from a font server; this needs nothing from
// outside. Wijken from zoom 11 (a gemeente's first view), buurten from 13.5; a name is left
// out where it would overlap one already placed (wijken first). Dark text on a white halo:
// readable on every class colour and in grey-scale print.
const NAME_ZOOM = { gemeente: 6, wijk: 11, buurt: 13.5 };
const NAME_FONT = { gemeente: "700 14px system-ui, sans-serif", wijk: "700 13px system-ui, sans-serif", buurt: "12px system-ui, sans-serif" };

function nameLayer(map, url, toggle, base) {
  const box = map.getContainer();
  const canvas = document.createElement("canvas");
  canvas.className = "bb-namen";
  canvas.setAttribute("aria-hidden", "true");
  box.insertBefore(canvas, box.querySelector(".maplibregl-control-container"));
  let names = null;
  let loading = false;
  let frame = 0;
  const draw = () => {
    frame = 0;
    const w = box.clientWidth;
    const h = box.clientHeight;
    const ratio = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(w * ratio) || canvas.height !== Math.round(h * ratio)) {
      canvas.width = Math.round(w * ratio);
      canvas.height = Math.round(h * ratio);
      canvas.style.width = `${w}px`;
      canvas.style.height = `${h}px`;
    }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const drawn = [];
    const zoom = map.getZoom();
    const levels = [];
    if (base?.checked && zoom >= NAME_ZOOM.gemeente) levels.push("gemeente");
    if (toggle?.checked !== false) levels.push(...["wijk", "buurt"].filter((l) => zoom >= NAME_ZOOM[l]));
    if (levels.length) {
      if (!names) {
        if (!loading) {
          loading = true;
          fetch(url).then((r) => (r.ok ? r.json() : null)).then((data) => { names = data; schedule(); }).catch(() => {});
        }
      } else {
        ctx.textAlign = "center";
        ctx.textBaseline = "middle";
        ctx.lineJoin = "round";
        ctx.lineWidth = 3;
        ctx.strokeStyle = "rgba(255, 255, 255, 0.95)";
        const placed = [];
        for (const level of levels) {
          ctx.font = NAME_FONT[level];
          ctx.fillStyle = level === "buurt" ? "#2b2b2b" : "#111111";
          for (const [code, name, lon, lat] of names[level] || []) {
            const p = map.project([lon, lat]);
            if (p.x < 0 || p.y < 0 || p.x > w || p.y > h) continue;
            const half = ctx.measureText(name).width / 2 + 3;
            const r = [p.x - half, p.y - 9, p.x + half, p.y + 9];
            if (r[0] < 0 || r[1] < 0 || r[2] > w || r[3] > h) continue;
            if (placed.some((q) => q[0] < r[2] && r[0] < q[2] && q[1] < r[3] && r[1] < q[3])) continue;
            placed.push(r);
            ctx.strokeText(name, p.x, p.y);
            ctx.fillText(name, p.x, p.y);
            drawn.push(code);
          }
        }
      }
    }
    map.getContainer().dataset.namenGetoond = String(drawn.length);
    window.buurtbeeldNamen = drawn;
  };
  const schedule = () => { if (!frame) frame = requestAnimationFrame(draw); };
  map.on("render", schedule);
  map.on("resize", schedule);
  toggle?.addEventListener("change", schedule);
  base?.addEventListener("change", schedule);
  schedule();
}

// Narrow viewport (a phone, or a desktop page zoomed to 200-400 %) or touch: the map takes the
// scroll wheel and one-finger drags only with Ctrl/⌘ or two fingers, so the page still scrolls.
function cooperative(win = window) {
  return win.matchMedia("(max-width: 48em), (pointer: coarse)").matches;
}

async function start() {
  if (!container) return;
  const started = performance.now();
  const count = Number(container.dataset.aantal || 0);
  const bbox = container.dataset.bbox ? container.dataset.bbox.split(",").map(Number) : [3.3, 50.7, 7.3, 53.6];
  const dataUrl = new URL(container.dataset.geojson, window.location.href).href;
  const stacking = container.dataset.modus === "stapeling";
  const map = new lib.Map({
    container,
    style: { version: 8, sources: {}, layers: [{ id: "achtergrond", type: "background", paint: { "background-color": "#f7f7f7" } }] },
    bounds: bbox,
    fitBoundsOptions: { padding: 16 },
    attributionControl: { compact: false, customAttribution: "Bron: CBS, Kadaster" },
    preserveDrawingBuffer: true,
    locale: LOCALE,
    cooperativeGestures: cooperative(),
  });
  map.addControl(new lib.NavigationControl({ showCompass: false }));
  const onIdle = () => {
    if (!map.getSource("gebieden") || !map.isSourceLoaded("gebieden")) return;
    container.dataset.gerenderd = String(Math.round(performance.now() - started));
    const drawn = map.querySourceFeatures("gebieden", tiled ? { sourceLayer: "gebieden" } : {});
    container.dataset.features = String(drawn.length > 0 ? count : 0);
    map.off("idle", onIdle);
  };
  map.on("idle", onIdle);
  map.on("error", (e) => {
    if (e.sourceId === "gebieden") container.dataset.fout = "De kaartgegevens konden niet geladen worden.";
  });
  // All of NL: vector tiles that carry code, name, status, class colour and published figure
  // of this visitor's map (hidden: no figure); a gemeente: one GeoJSON.
  const tiled = Boolean(container.dataset.tegels);
  map.on("load", () => {
    map.addImage("arcering", hatch());
    map.addImage("arcering-onzeker", hatch(8, true));
    map.addImage("stippen", dots());
    const many = count > 2000;
    const status = ["get", "status"];
    const colour = ["coalesce", ["get", "kleur"], "#ffffff"];
    let layerSource = { source: "gebieden" };
    if (tiled) {
      map.addSource("gebieden", { type: "vector", tiles: [window.location.origin + container.dataset.tegels], minzoom: 0, maxzoom: 10, bounds: bbox });
      layerSource = { source: "gebieden", "source-layer": "gebieden" };
    } else {
      // Many polygons (all of NL): coarser tiling at low zoom and outlines only when zoomed in.
      map.addSource("gebieden", { type: "geojson", data: dataUrl, tolerance: many ? 1.5 : 0.375, buffer: many ? 16 : 128 });
    }
    // All of NL: no anti-aliased outline per polygon (13,594 of them, each drawn once more in
    // software WebGL for edges smaller than a pixel); the "randen" layer draws edges from zoom 9.
    const smooth = { "fill-antialias": !many };
    map.addLayer({ id: "vlakken", type: "fill", ...layerSource, filter: ["!", ["in", status, ["literal", ["hidden", "missing"]]]],
      paint: { "fill-color": colour, "fill-opacity": 0.9, ...smooth } });
    map.addLayer({ id: "verborgen", type: "fill", ...layerSource, filter: ["==", status, "hidden"],
      paint: { "fill-pattern": "arcering", ...smooth } });
    map.addLayer({ id: "ontbreekt", type: "fill", ...layerSource, filter: ["==", status, "missing"],
      paint: { "fill-pattern": "stippen", ...smooth } });
    if (stacking) map.addLayer({ id: "onzeker", type: "fill", ...layerSource, filter: ["==", ["get", "onzeker"], true],
      paint: { "fill-pattern": "arcering-onzeker" } });
    map.addLayer({ id: "randen", type: "line", ...layerSource, minzoom: many ? 9 : 0,
      paint: { "line-color": "#555555", "line-width": ["case", ["==", status, "missing"], 0.8, 0.4],
               "line-dasharray": ["case", ["==", status, "missing"], ["literal", [2, 2]], ["literal", [1, 0]]] } });
    container.dispatchEvent(new Event("bb-lagen"));
    for (const layer of ["vlakken", "verborgen", "ontbreekt"]) {
      map.on("click", layer, (e) => {
        const p = e.features[0].properties;
        let text;
        if (stacking) text = `${p.uitkomst}: ${p.aantal} van de ${p.beoordeeld} beoordeelde indicatoren (van ${p.gekozen} gekozen) in het ongunstigste vijfde${p.onzeker ? "; onzeker: minder dan de helft beoordeeld" : ""}`;
        else if (p.uitkomst) text = p.uitkomst; // hotspots and buurttypen say it in words
        else if (p.status === "hidden" || p.status === "missing") text = STATUS[p.status];
        else text = `${nf(Number(container.dataset.decimalen || 0), container.dataset.verschil === "ja").format(Number(Number(p.waarde).toPrecision(12)))} ${container.dataset.eenheid || ""}`;
        const box = document.createElement("div");
        box.className = "bb-popup";
        const title = document.createElement("strong");
        title.textContent = p.naam.includes(p.code) ? p.naam : `${p.naam} (${p.code})`;
        const value = document.createElement("p");
        value.textContent = text;
        const link = document.createElement("a");
        link.href = container.dataset.profiel + p.code;
        link.textContent = "Profiel";
        box.append(title, value, link);
        new lib.Popup().setLngLat(e.lngLat).setDOMContent(box).addTo(map);
      });
      map.on("mouseenter", layer, () => { map.getCanvas().style.cursor = "pointer"; });
      map.on("mouseleave", layer, () => { map.getCanvas().style.cursor = ""; });
    }
  });
  // Optional light base layer, offline: the borders of all gemeenten (vector tiles of the
  // bundled boundaries) with their names; off until the visitor switches it on.
  const base = document.getElementById("basis-tonen");
  if (base && container.dataset.basis) {
    const show = () => {
      if (!map.getLayer("randen")) return; // drawn over the figures: after their layers
      if (!map.getSource("basis")) {
        map.addSource("basis", { type: "vector", tiles: [window.location.origin + container.dataset.basis], minzoom: 0, maxzoom: 10 });
        map.addLayer({ id: "gemeentegrenzen", type: "line", source: "basis", "source-layer": "gebieden",
          paint: { "line-color": "#1a1a1a", "line-width": ["interpolate", ["linear"], ["zoom"], 6, 0.6, 12, 2] } });
      }
      map.setLayoutProperty("gemeentegrenzen", "visibility", base.checked ? "visible" : "none");
    };
    base.addEventListener("change", show);
    container.addEventListener("bb-lagen", () => { if (base.checked) show(); });
  }
  // Optional water layer, offline: coast, lake shores, rivers and canals (GSHHG, bundled,
  // about 1:250,000), loaded only when switched on. Blue lines on a white casing over the
  // figures: in grey-scale print a mid-grey line with a white edge, unlike the thin black
  // gemeente borders.
  const water = document.getElementById("water-tonen");
  if (water && container.dataset.water) {
    const show = () => {
      if (!map.getLayer("randen")) return;
      if (!map.getSource("water")) {
        map.addSource("water", { type: "geojson", data: new URL(container.dataset.water, window.location.href).href,
          attribution: "Water: GSHHG (Wessel & Smith, LGPL)" });
        // major rivers (GSHHG class 0-1) widest, other rivers, then coast, lake shores, canals
        const widths = (extra) => ["interpolate", ["linear"], ["zoom"],
          6, ["match", ["get", "soort"], "rivier", ["case", ["<=", ["get", "klasse"], 1], 1.6 + extra, 1 + extra], 0.9 + extra],
          12, ["match", ["get", "soort"], "rivier", ["case", ["<=", ["get", "klasse"], 1], 4 + extra, 2.5 + extra], 2 + extra]];
        map.addLayer({ id: "water-rand", type: "line", source: "water", layout: { "line-join": "round", "line-cap": "round" },
          paint: { "line-color": "#ffffff", "line-width": widths(2) } }, map.getLayer("gemeentegrenzen") ? "gemeentegrenzen" : undefined);
        map.addLayer({ id: "water", type: "line", source: "water", layout: { "line-join": "round", "line-cap": "round" },
          paint: { "line-color": "#2a6fb0", "line-width": widths(0) } }, map.getLayer("gemeentegrenzen") ? "gemeentegrenzen" : undefined);
      }
      for (const id of ["water-rand", "water"]) map.setLayoutProperty(id, "visibility", water.checked ? "visible" : "none");
    };
    water.addEventListener("change", show);
    container.addEventListener("bb-lagen", () => { if (water.checked) show(); });
  }
  if (container.dataset.namen) nameLayer(map, container.dataset.namen, document.getElementById("namen-tonen"), base);
  window.buurtbeeldKaart = map;
}

start();
