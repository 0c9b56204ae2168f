"""Download a StatLine table from CBS's OData v3 API into a folder (``buurtbeeld statline``).

The folder has the shape :mod:`buurtbeeld.opendata.statline` reads (and ``cbsodata`` writes):
``TableInfos.json``, ``DataProperties.json``, ``TypedDataSet.json`` and one file per
dimension. Only the standard library is used (no extra dependency). Without internet the
error says, in Dutch, how to download the files by hand. ``BUURTBEELD_STATLINE_URL`` replaces
the API's address (a mirror, or a local server in tests).
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from buurtbeeld.opendata.statline_meta import meta_error

BASE_URL = "https://opendata.cbs.nl/ODataApi/odata"
URL_ENV = "BUURTBEELD_STATLINE_URL"
TABLE = re.compile(r"^\d{5}[A-Z]{3}$")
TIMEOUT = 60
MAX_PAGES = 1000


def check_table_id(table_id: str) -> str:
    """``85984ned`` → ``85984NED``, or ``BB-STL-013``."""
    ident = table_id.strip().upper()
    if not TABLE.match(ident):
        raise meta_error(
            f"'{table_id[:20]}' is geen StatLine-tabelnummer.",
            "BB-STL-013",
            "Een tabelnummer is vijf cijfers en drie letters, bijvoorbeeld 85984NED (Kerncijfers "
            "wijken en buurten 2024).",
        )
    return ident


def _get(url: str) -> Any:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return json.loads(response.read().decode("utf-8-sig"))
    except urllib.error.HTTPError as err:
        if err.code == 404:
            raise meta_error(
                "CBS kent deze tabel niet (404).",
                "BB-STL-010",
                "Controleer het tabelnummer op opendata.cbs.nl; oudere tabellen zijn soms "
                "verplaatst naar het archief.",
            ) from None
        raise _offline(f"CBS antwoordde met fout {err.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as err:
        raise _offline(f"geen verbinding ({type(err).__name__})") from None
    except json.JSONDecodeError:
        raise _offline("het antwoord is geen JSON") from None


def _offline(why: str) -> Exception:
    return meta_error(
        f"De tabel kon niet bij CBS worden opgehaald: {why}.",
        "BB-STL-009",
        "Zonder internet: download de tabel op een computer met internet bij opendata.cbs.nl "
        "(TypedDataSet, DataProperties en TableInfos als JSON, in één map) of als 'CSV met "
        "statistische symbolen' via StatLine, en importeer die map of dat bestand met "
        "'buurtbeeld importeer'.",
    )


def _rows(url: str) -> list[Any]:
    out: list[Any] = []
    for _ in range(MAX_PAGES):
        page = _get(url)
        if isinstance(page, dict):
            out.extend(page.get("value", []))
            url = page.get("odata.nextLink") or page.get("@odata.nextLink") or ""
        else:
            out.extend(page)
            url = ""
        if not url:
            return out
    raise _offline("te veel pagina's")


def fetch_table(
    table_id: str,
    folder: Path,
    *,
    odata_filter: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Download ``table_id`` into ``folder``/<id>; returns that folder.

    Raises
    ------
    ImportFileError
        ``BB-STL-009`` (no connection), ``BB-STL-010`` (unknown table), ``BB-STL-013``.
    """
    say = progress or (lambda _m: None)
    ident = check_table_id(table_id)
    base = os.environ.get(URL_ENV, BASE_URL).rstrip("/") + f"/{ident}"
    target = folder / ident
    parts: dict[str, list[Any]] = {}
    for name in ("TableInfos", "DataProperties"):
        say(f"Ophalen: {name}")
        parts[name] = _rows(f"{base}/{name}")
    dimensions = [
        str(p.get("Key"))
        for p in parts["DataProperties"]
        if isinstance(p, dict) and str(p.get("Type", "")).endswith(("Dimension", "GeoDetail"))
    ]
    for key in dimensions:
        say(f"Ophalen: {key}")
        parts[key] = _rows(f"{base}/{key}")
    say("Ophalen: TypedDataSet")
    query = f"?$filter={urllib.parse.quote(odata_filter)}" if odata_filter else ""
    parts["TypedDataSet"] = _rows(f"{base}/TypedDataSet{query}")
    target.mkdir(parents=True, exist_ok=True)
    for name, rows in parts.items():  # written only when everything arrived
        (target / f"{name}.json").write_text(
            json.dumps({"value": rows}, ensure_ascii=False), encoding="utf-8"
        )
    return target
