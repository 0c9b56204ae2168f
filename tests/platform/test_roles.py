"""The one table of routes × roles: it covers every route of the web app, and denies by default."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.routing import Mount

from buurtbeeld.platform.errors import UserError
from buurtbeeld.platform.roles import (
    ACCOUNT_ROLES,
    ROUTES,
    Access,
    Role,
    allowed,
    parse_role,
    route_for,
)
from buurtbeeld.store.workspace import Workspace
from buurtbeeld.web.app import create_app

ALL = [None, *Role]


def _example(path: str) -> str:
    """A concrete path for a FastAPI path template."""
    examples = {"{code}": "GM0505", "{indicator_id}": "bevolking_totaal", "{gebied}": "GM0505"}
    for placeholder, value in examples.items():
        path = path.replace(placeholder, value)
    return path


def _walk(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(method, path template) of every route, also inside included routers."""
    for route in routes:
        if hasattr(route, "original_router"):  # FastAPI's included router
            yield from _walk(route.original_router.routes, prefix + route.include_context.prefix)
        elif isinstance(route, Mount):
            yield "GET", prefix + route.path + "/{file:path}"
        else:
            for method in sorted(route.methods):
                yield method, prefix + route.path


def test_every_route_of_the_web_app_has_a_row(empty_workspace: Workspace) -> None:
    app = create_app(empty_workspace.root)
    routes = list(_walk(app.routes))
    for method, template in routes:
        path = _example(template).replace("{file:path}", "css/buurtbeeld.css")
        assert route_for(method, path) is not None, f"{method} {template} heeft geen rij"
    assert len({t for _, t in routes}) >= 20  # the walk found the included routers


@pytest.mark.parametrize("role", ALL)
def test_todays_routes_are_readable_by_everyone(role: Role | None) -> None:
    for path in (
        "/",
        "/gemeente/GM0505",
        "/gemeente/GM0505/tabel.csv",
        "/gemeente/GM0505/stapeling.csv",
        "/regio/BU05050101",
        "/api/v1/waarden",
        "/api/v1/kaart/GM0505.geojson",
        "/api/v1/openapi.json",
        "/gezond",
        "/klaar",
    ):
        assert allowed(role, "GET", path), path
        assert allowed(role, "HEAD", path), path
        assert not allowed(role, "POST", path), path  # no writes on read-only routes


def test_internal_routes_by_role() -> None:
    expected = {
        "/intern/partners": {Access.INTERNAL},
        "/api/v1/intern/waarden": {Access.INTERNAL},
        "/beheer": {Access.ADMIN},
        "/beheer/import": {Access.ADMIN},
        "/audit": {Access.PRIVACY},
        "/audit/export.csv": {Access.PRIVACY},
    }
    matrix = {
        "/intern/partners": {Role.READER, Role.ANALYST, Role.ADMIN, Role.PRIVACY},
        "/api/v1/intern/waarden": {Role.READER, Role.ANALYST, Role.ADMIN, Role.PRIVACY},
        "/beheer": {Role.ADMIN},
        "/beheer/import": {Role.ADMIN},
        "/audit": {Role.PRIVACY},
        "/audit/export.csv": {Role.PRIVACY},
        "/beheer/publicatie": {Role.ADMIN},
        # the stapeling of provisions: a public route whose content is filtered by visibility
        # (internal until a beheerder publishes it: tests/web/test_visibility.py)
        "/gemeente/GM0505/voorzieningen": set(ALL),
        "/api/v1/voorzieningen/GM0505.geojson": set(ALL),
    }
    expected |= {"/beheer/publicatie": {Access.ADMIN}}
    expected |= {p: {Access.PUBLIC} for p in matrix if "voorzieningen" in p}
    for path, roles in matrix.items():
        route = route_for("GET", path)
        assert route is not None and {route.access} == expected[path]
        assert {r for r in ALL if allowed(r, "GET", path)} == roles, path
    assert allowed(Role.ADMIN, "POST", "/beheer/gebruikers")
    assert allowed(Role.ADMIN, "POST", "/beheer/publicatie")
    assert not any(allowed(r, "POST", "/beheer/publicatie") for r in ALL if r != Role.ADMIN)
    assert not allowed(Role.ANALYST, "POST", "/beheer/gebruikers")
    assert allowed(None, "POST", "/inloggen") and allowed(Role.READER, "POST", "/uitloggen")
    assert not allowed(None, "GET", "/uitloggen")  # logging out is a form (CSRF), never a link


def test_unknown_routes_and_methods_are_denied() -> None:
    for role in ALL:
        assert not allowed(role, "GET", "/geheim")
        assert not allowed(role, "GET", "/gemeente/GM0505/iets")
        assert not allowed(role, "DELETE", "/")
        assert not allowed(role, "GET", "/beheerX")
    assert route_for("GET", "/gemeente/GM0505/../../beheer") is None


def test_role_names() -> None:
    assert [r.value for r in Role] == [
        "publiek",
        "lezer",
        "analist",
        "beheerder",
        "privacyfunctionaris",
    ]
    assert Role.PUBLIC not in ACCOUNT_ROLES
    assert parse_role(" Beheerder ") is Role.ADMIN
    with pytest.raises(UserError) as err:
        parse_role("superuser")
    assert err.value.code == "BB-PLT-011" and "privacyfunctionaris" in err.value.hint
    assert len({(r.pattern, m) for r in ROUTES for m in r.methods}) == sum(
        len(r.methods) for r in ROUTES
    )  # no pattern twice for the same method
