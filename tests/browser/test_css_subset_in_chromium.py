"""The pages look the same with the NL Design System subset as with the full CSS (issue 13 item 5).

``static/css/nlds.css`` (``scripts/subset_css.py``) replaced 615 KB of vendored CSS that every
page parsed; here every page type is drawn twice in Chromium, once as served and once with the
full theme and component library in its place, and every element's computed style (all CSS
properties, its ``::before`` and ``::after`` too) must be the same.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import buurtbeeld.web

pytestmark = pytest.mark.browser

VENDOR = Path(buurtbeeld.web.__file__).resolve().parent / "static" / "vendor" / "nl-design-system"
FULL = (
    (VENDOR / "voorbeeld-theme.css").read_text(encoding="utf-8")
    + "\n"
    + (VENDOR / "utrecht-component-library.css").read_text(encoding="utf-8")
)

PAGES = [
    "/",
    "/zoek?q=crabbehof",
    "/gemeente/GM0505",
    "/gemeente/GM0505/stapeling",
    "/gemeente/GM0505/verandering",
    "/regio/BU05050101",
    "/regio/GM0505",
    "/regio/GM0505/rapport",
    "/indicatoren",
    "/indicatoren/bijstand_per_1000",
    "/over",
    "/toegankelijkheid",
    "/inloggen",
    "/sturen",
    "/duiding/nieuw",
    "/doorbraken/nieuw",
    "/beheer",
    "/beheer/imports",
    "/beheer/publicatie",
    "/gemeente/GM9999",
]

# Per element: tag and a hash of every computed property (custom properties left out: the
# subset keeps only the tokens something uses), of the element and of its ::before/::after.
# The property names are read once: walking the live declaration (``cs.length``, ``cs[i]``) per
# element took 8 ms an element and 6.4 minutes for these pages.
STYLES = """() => {
  const hash = (s) => { let h = 2166136261; for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 16777619); } return h >>> 0; };
  const names = Array.from(getComputedStyle(document.documentElement)).filter((p) => !p.startsWith("--"));
  const text = (el, pseudo) => { const cs = getComputedStyle(el, pseudo); let s = "";
    for (const p of names) s += p + ":" + cs.getPropertyValue(p) + ";"; return s; };
  window.bbStyle = (i) => { const el = document.querySelectorAll("*")[i]; return [el.outerHTML.slice(0, 120), text(el, null), text(el, "::before"), text(el, "::after")]; };
  return Array.from(document.querySelectorAll("*"), (el, i) =>
    [i, el.tagName + hash(text(el, null) + text(el, "::before") + text(el, "::after"))]);
}"""


def _styles(browser: Any, url: str, full: bool) -> tuple[Any, list[str]]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    if full:
        context.route(
            "**/static/css/nlds.css",
            lambda route: route.fulfill(body=FULL, content_type="text/css"),
        )
    page = context.new_page()
    page.goto(url)
    if page.locator("#kaart").count():
        page.wait_for_selector("#kaart[data-gerenderd]", timeout=60000)
    return page, page.evaluate(STYLES)


@pytest.mark.parametrize("path", PAGES)
def test_page_looks_the_same_with_the_css_subset(browser: Any, live_server: str, path: str) -> None:
    subset_page, subset = _styles(browser, live_server + path, full=False)
    full_page, full = _styles(browser, live_server + path, full=True)
    assert len(subset) == len(full) > 10
    differing = [a[0] for a, b in zip(subset, full, strict=True) if a != b]
    if differing:
        i = differing[0]
        a, b = subset_page.evaluate(f"bbStyle({i})"), full_page.evaluate(f"bbStyle({i})")
        diff = [
            (x, y)
            for part_a, part_b in zip(a[1:], b[1:], strict=True)
            for x, y in zip(part_a.split(";"), part_b.split(";"), strict=False)
            if x != y
        ]
        pytest.fail(f"{len(differing)} elements differ; first {a[0]!r}: {diff[:5]}")
    subset_page.context.close()
    full_page.context.close()
