"""Write the NL Design System CSS the pages use: ``web/static/css/nlds.css`` (issue 13 item 5).

The vendored component library (407 KB) and theme tokens (208 KB) were linked by every page;
the pages use about 50 of the library's classes. This keeps, from
``static/vendor/nl-design-system/``:

- every rule of ``utrecht-component-library.css`` with at least one selector whose
  ``.utrecht-*`` classes (outside ``:not(…)``) all occur in the templates, the web modules or
  the scripts (a selector naming a class nothing uses can never match), and every rule
  without such a class;
- of ``voorbeeld-theme.css`` the custom properties those rules, ``buurtbeeld.css``, the
  templates and the scripts refer to, followed through ``var(…)`` to the end.

Run after changing the templates' classes or re-vendoring (``scripts/vendor_frontend.sh``):
``python scripts/subset_css.py``; ``tests/web/test_css_subset.py`` fails while the subset is
stale, and a browser test compares every page type drawn with the subset and with the full CSS.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from pathlib import Path

import tinycss2

WEB = Path(__file__).resolve().parents[1] / "src" / "buurtbeeld" / "web"
VENDOR = WEB / "static" / "vendor" / "nl-design-system"
LIBRARY = VENDOR / "utrecht-component-library.css"
THEME = VENDOR / "voorbeeld-theme.css"
OUT = WEB / "static" / "css" / "nlds.css"
CLASS = re.compile(r"\butrecht-[a-z0-9]+(?:[-_]{1,2}[a-z0-9]+)*")
VAR = re.compile(r"var\(\s*(--[A-Za-z0-9_-]+)")
NOT = re.compile(r":not\([^()]*(?:\([^()]*\)[^()]*)*\)")


def sources() -> Iterable[Path]:
    """The files whose text names the classes and custom properties the pages use."""
    yield from (WEB / "templates").rglob("*.html")
    yield from WEB.glob("*.py")
    yield from (WEB / "static" / "js").glob("*.mjs")
    yield WEB / "static" / "css" / "buurtbeeld.css"


def used_classes() -> set[str]:
    return {c for path in sources() for c in CLASS.findall(path.read_text(encoding="utf-8"))}


def selector_matches(selector: str, used: set[str]) -> bool:
    return all(c in used for c in CLASS.findall(NOT.sub("", selector)))


def split_selectors(prelude: str) -> list[str]:
    """Top-level comma split (commas inside ``:is(…)``/``:where(…)`` stay)."""
    parts, depth, current = [], 0, []
    for ch in prelude:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    parts.append("".join(current).strip())
    return [p for p in parts if p]


def keep_rules(rules: list, used: set[str]) -> list[str]:
    """Serialised rules of the component library that can match a used class."""
    out: list[str] = []
    for rule in rules:
        if rule.type == "qualified-rule":
            selectors = split_selectors(tinycss2.serialize(rule.prelude))
            kept = [s for s in selectors if selector_matches(s, used)]
            if kept:
                out.append(f"{', '.join(kept)}{{{tinycss2.serialize(rule.content).strip()}}}")
        elif rule.type == "at-rule":
            prelude = tinycss2.serialize(rule.prelude).strip()
            if rule.content is None:
                out.append(f"@{rule.at_keyword} {prelude};")
            elif rule.lower_at_keyword in ("media", "supports", "layer", "container"):
                inner = keep_rules(
                    tinycss2.parse_rule_list(
                        rule.content, skip_comments=True, skip_whitespace=True
                    ),
                    used,
                )
                if inner:
                    out.append(f"@{rule.at_keyword} {prelude}{{{''.join(inner)}}}")
            else:  # @font-face, @keyframes, …: kept as they are
                out.append(f"@{rule.at_keyword} {prelude}{{{tinycss2.serialize(rule.content)}}}")
    return out


def theme_subset(theme_rules: list, needed: set[str]) -> list[str]:
    """The theme's rules with only the custom properties in ``needed`` (closed over var())."""
    definitions: dict[str, str] = {}
    for rule in theme_rules:
        if rule.type == "qualified-rule":
            for decl in tinycss2.parse_blocks_contents(
                rule.content, skip_comments=True, skip_whitespace=True
            ):
                if decl.type == "declaration" and decl.name.startswith("--"):
                    value = tinycss2.serialize(decl.value)
                    definitions[decl.name] = definitions.get(decl.name, "") + " " + value
    todo = list(needed)
    while todo:
        name = todo.pop()
        for ref in VAR.findall(definitions.get(name, "")):
            if ref not in needed:
                needed.add(ref)
                todo.append(ref)
    out: list[str] = []
    for rule in theme_rules:
        if rule.type != "qualified-rule":
            continue
        declarations = [
            f"{d.name}:{tinycss2.serialize(d.value).strip()}"
            for d in tinycss2.parse_blocks_contents(
                rule.content, skip_comments=True, skip_whitespace=True
            )
            if d.type == "declaration" and (not d.name.startswith("--") or d.name in needed)
        ]
        if declarations:
            out.append(f"{tinycss2.serialize(rule.prelude).strip()}{{{';'.join(declarations)}}}")
    return out


def build() -> str:
    """The text of ``nlds.css``."""
    used = used_classes()
    library = tinycss2.parse_stylesheet(
        LIBRARY.read_text(encoding="utf-8"), skip_comments=True, skip_whitespace=True
    )
    components = keep_rules(library, used)
    needed = set(VAR.findall("".join(components)))
    for path in sources():
        needed |= set(VAR.findall(path.read_text(encoding="utf-8")))
    theme = tinycss2.parse_stylesheet(
        THEME.read_text(encoding="utf-8"), skip_comments=True, skip_whitespace=True
    )
    header = (
        "/* Generated by scripts/subset_css.py: the parts of the NL Design System CSS the pages use.\n"
        "   @nl-design-system-unstable/voorbeeld-design-tokens 7.4.1 and @utrecht/component-library-css\n"
        "   9.0.4, EUPL-1.2 (static/vendor/nl-design-system/LICENSE-*.md); do not edit by hand. */\n"
    )
    return header + "\n".join(theme_subset(theme, needed) + components) + "\n"


def main() -> None:
    text = build()
    if "--check" in sys.argv:
        sys.exit(0 if OUT.exists() and OUT.read_text(encoding="utf-8") == text else 1)
    OUT.write_text(text, encoding="utf-8")
    print(f"{OUT}: {len(text.encode()):,} bytes")


if __name__ == "__main__":
    main()
