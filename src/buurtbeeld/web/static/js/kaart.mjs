// Choropleth with MapLibre GL (vendored, no external requests): blank style, GeoJSON polygons
// coloured by the server-side legend; hidden cells hatched, missing cells white with a dashed edge.
// The page preloads the library and the GeoJSON; MapLibre's worker fetches and parses the
// GeoJSON itself (no parse and copy on the main thread), which matters for all of NL.
import * as maplibre from "/static/vendor/maplibre-gl/maplibre-gl.mjs";

const lib = maplibre.default ?? maplibre;
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
    container.dataset.features = String(map.querySourceFeatures("gebieden").length > 0 ? count : 0);
    map.off("idle", onIdle);
  };
  map.on("idle", onIdle);
  map.on("error", (e) => {
    if (e.sourceId === "gebieden") container.dataset.fout = "De kaartgegevens konden niet geladen worden.";
  });
  map.on("load", () => {
    map.addImage("arcering", hatch());
    map.addImage("arcering-onzeker", hatch(8, true));
    const many = count > 2000;
    // Many polygons (all of NL): coarser tiling at low zoom and outlines only when zoomed in.
    map.addSource("gebieden", { type: "geojson", data: dataUrl, tolerance: many ? 1.5 : 0.375, buffer: many ? 16 : 128 });
    map.addImage("stippen", dots());
    map.addLayer({ id: "vlakken", type: "fill", source: "gebieden", filter: ["!", ["in", ["get", "status"], ["literal", ["hidden", "missing"]]]],
      paint: { "fill-color": ["coalesce", ["get", "kleur"], "#ffffff"], "fill-opacity": 0.9 } });
    map.addLayer({ id: "verborgen", type: "fill", source: "gebieden", filter: ["==", ["get", "status"], "hidden"],
      paint: { "fill-pattern": "arcering" } });
    map.addLayer({ id: "ontbreekt", type: "fill", source: "gebieden", filter: ["==", ["get", "status"], "missing"],
      paint: { "fill-pattern": "stippen" } });
    if (stacking) map.addLayer({ id: "onzeker", type: "fill", source: "gebieden", filter: ["==", ["get", "onzeker"], true],
      paint: { "fill-pattern": "arcering-onzeker" } });
    map.addLayer({ id: "randen", type: "line", source: "gebieden", minzoom: many ? 9 : 0,
      paint: { "line-color": "#555555", "line-width": ["case", ["==", ["get", "status"], "missing"], 0.8, 0.4],
               "line-dasharray": ["case", ["==", ["get", "status"], "missing"], ["literal", [2, 2]], ["literal", [1, 0]]] } });
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
  window.buurtbeeldKaart = map;
}

start();
