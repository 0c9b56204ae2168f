"""The OpenAPI document as the request's role may see it (issue 12 item 3).

``publiek`` gets a document without the routes of internal data: the stapeling of provisions
(``/api/v1/voorzieningen/…``) unless a stapeling is published, and anything under
``/api/v1/intern``; schemas only those routes use are left out too. Signed-in roles and the local
viewer get the whole document.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from buurtbeeld.web.deps import get_cube
from buurtbeeld.web.visibility import public_decisions

OPENAPI_URL = "/api/v1/openapi.json"
INTERNAL_PREFIX = "/api/v1/intern"
OVERLAP_PREFIX = "/api/v1/voorzieningen"

router = APIRouter(include_in_schema=False)


def _references(value: Any) -> set[str]:
    text = json.dumps(value)
    return {part.split('"', 1)[0] for part in text.split('"$ref": "#/components/schemas/')[1:]}


def public_document(document: dict[str, Any], *, overlap_public: bool) -> dict[str, Any]:
    """``document`` without internal routes and the schemas only they use."""
    doc: dict[str, Any] = json.loads(json.dumps(document))  # a deep copy
    doc["paths"] = {
        path: item
        for path, item in doc.get("paths", {}).items()
        if not path.startswith(INTERNAL_PREFIX)
        and (overlap_public or not path.startswith(OVERLAP_PREFIX))
    }
    schemas = doc.get("components", {}).get("schemas", {})
    keep: set[str] = set()
    todo = _references(doc["paths"])
    while todo:
        name = todo.pop()
        if name in keep or name not in schemas:
            continue
        keep.add(name)
        todo |= _references(schemas[name])
    if schemas:
        doc["components"]["schemas"] = {k: v for k, v in schemas.items() if k in keep}
    used_tags = {
        t for item in doc["paths"].values() for op in item.values() for t in op.get("tags", [])
    }
    if "tags" in doc:
        doc["tags"] = [t for t in doc["tags"] if t.get("name") in used_tags]
    return doc


@router.get(OPENAPI_URL)
def openapi_document(request: Request) -> JSONResponse:
    """The OpenAPI document of this app, for this request's role."""
    document = request.app.openapi()
    if public_decisions(request) is None:  # everything visible
        return JSONResponse(document)
    overlap_public = bool(get_cube(request).overlap.sets)
    return JSONResponse(public_document(document, overlap_public=overlap_public))
