"""Large cached responses (national GeoJSON: 5 MB) and large static files compressed once.

``GZipMiddleware`` compresses every other response on the fly (level 5: ~10 ms for a 400 KB
page); it leaves a response that already has a ``Content-Encoding`` alone.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import anyio.to_thread
from fastapi import Request
from fastapi.responses import FileResponse, Response
from starlette.datastructures import Headers
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from buurtbeeld.web.cache import LRUCache

# Below this size on-the-fly compression is cheap enough.
PRECOMPRESS_FROM = 256 * 1024


def cached_text_response(request: Request, text: str, media_type: str) -> Response:
    """``text`` as a response; a large one gzip-compressed once and kept with the view cache.

    ``text`` is a cached view (the same string object on every request), so its hash is
    computed once by Python and the compressed bytes are found again cheaply.
    """
    accepts_gzip = "gzip" in request.headers.get("accept-encoding", "").lower()
    if len(text) < PRECOMPRESS_FROM or not accepts_gzip:
        return Response(text, media_type=media_type)
    cache: LRUCache = request.app.state.gzip_cache
    body = cache.get_or_create(
        ("gzip", len(text), hash(text)),
        lambda: gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0),
    )
    return Response(
        body,
        media_type=media_type,
        headers={"content-encoding": "gzip", "vary": "Accept-Encoding"},
    )


# Static files from this size on are compressed once per file version (the vendored MapLibre
# module is 1.1 MB, its worker 0.5 MB); smaller ones are left to ``GZipMiddleware``.
STATIC_PRECOMPRESS_FROM = 32 * 1024


class PrecompressedStaticFiles(StaticFiles):
    """``StaticFiles`` whose large files are served gzip-compressed from memory.

    ``GZipMiddleware`` compressed MapLibre's module on every page load of a map: about 40 ms
    of the server's event loop (docs/benchmarks.md, issue 13 item 5), during which the page's
    other requests waited. The compressed bytes are kept per path, size and modification time,
    so a changed file is compressed again; ``ETag`` and ``Last-Modified`` stay those of the file.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._gzipped = LRUCache(size=16)

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        stat = getattr(response, "stat_result", None)
        if (
            not isinstance(response, FileResponse)
            or response.status_code != 200
            or stat is None
            or stat.st_size < STATIC_PRECOMPRESS_FROM
            or "gzip" not in Headers(scope=scope).get("accept-encoding", "").lower()
        ):
            return response
        file = Path(response.path)
        key = (str(file), stat.st_size, stat.st_mtime_ns)
        body = await anyio.to_thread.run_sync(
            lambda: self._gzipped.get_or_create(
                key, lambda: gzip.compress(file.read_bytes(), compresslevel=9, mtime=0)
            )
        )
        headers = {
            name: value
            for name, value in response.headers.items()
            if name in ("content-type", "etag", "last-modified")
        }
        headers |= {"content-encoding": "gzip", "vary": "Accept-Encoding"}
        return Response(body, headers=headers)
