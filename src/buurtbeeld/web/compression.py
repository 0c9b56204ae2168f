"""Large cached responses (national GeoJSON: 5 MB) compressed once, not on every request.

``GZipMiddleware`` compresses every other response on the fly (level 5: ~10 ms for a 400 KB
page); it leaves a response that already has a ``Content-Encoding`` alone.
"""

from __future__ import annotations

import gzip

from fastapi import Request
from fastapi.responses import Response

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
