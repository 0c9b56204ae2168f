"""Roles and the one table of routes × roles.

Roles (Dutch names as shown in the UI):

- ``publiek``: not signed in; sees only what is published.
- ``lezer``: all internal figures.
- ``analist``: a lezer who also writes duiding and goals (later issues).
- ``beheerder``: an analist who also imports files and partner packages, manages users and
  publishes.
- ``privacyfunctionaris``: a lezer who also reads and exports the audit log.

Decision: the privacy officer is a *role*, not a flag on another role, and a beheerder cannot read
the audit log in the web app (separation of duties: whoever manages users and publications does not
also oversee the trail of those acts). A person who needs both gets two accounts.

:data:`ROUTES` is the single table the web app checks (``web/access.py``) and the
role-matrix test (``tests/web/test_access.py``) walks. Every route of the web app must match a
row (the first match counts): a request that matches no row is refused (deny by default). In
local-viewer mode (no sign-in configured, ``Settings.local_viewer``) the single local user is the
owner of the workspace: the web app does not apply the table and shows what ``lezer`` sees.
Paths use FastAPI's template syntax: ``{name}``
matches one path segment, ``{name:path}`` the rest of the path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache

from buurtbeeld.platform.errors import UserError


class Role(StrEnum):
    """The roles; values are the stored and displayed Dutch names."""

    PUBLIC = "publiek"
    READER = "lezer"
    ANALYST = "analist"
    ADMIN = "beheerder"
    PRIVACY = "privacyfunctionaris"


ROLE_DESCRIPTIONS: dict[Role, str] = {
    Role.PUBLIC: "niet aangemeld: alleen wat gepubliceerd is",
    Role.READER: "alle interne cijfers lezen",
    Role.ANALYST: "als lezer, en duiding en doelen schrijven",
    Role.ADMIN: "als analist, en importeren, publiceren en gebruikers beheren",
    Role.PRIVACY: "als lezer, en het auditlog inzien en exporteren",
}

#: Roles a user account can have (``publiek`` is the absence of a sign-in).
ACCOUNT_ROLES: tuple[Role, ...] = (Role.READER, Role.ANALYST, Role.ADMIN, Role.PRIVACY)


def parse_role(value: str, *, account: bool = True) -> Role:
    """The role named ``value`` (Dutch name, case-insensitive) or a Dutch error."""
    name = value.strip().lower()
    choices = ACCOUNT_ROLES if account else tuple(Role)
    for role in choices:
        if role.value == name:
            return role
    raise UserError(
        f"Onbekende rol '{value[:40]}'.",
        code="BB-PLT-011",
        hint="Kies uit: " + ", ".join(r.value for r in choices) + ".",
    )


class Access(StrEnum):
    """Who may use a route: each level names the roles it admits."""

    PUBLIC = "iedereen"
    INTERNAL = "intern"  # every signed-in role
    ANALYST = "analist"
    ADMIN = "beheerder"
    PRIVACY = "privacy"


ACCESS_ROLES: dict[Access, frozenset[Role]] = {
    Access.PUBLIC: frozenset(Role),
    Access.INTERNAL: frozenset(ACCOUNT_ROLES),
    Access.ANALYST: frozenset({Role.ANALYST, Role.ADMIN}),
    Access.ADMIN: frozenset({Role.ADMIN}),
    Access.PRIVACY: frozenset({Role.PRIVACY}),
}

READ = frozenset({"GET", "HEAD"})
WRITE = frozenset({"POST"})


@dataclass(frozen=True)
class Route:
    """One row of the table: a path pattern, its methods and who may use it."""

    pattern: str
    methods: frozenset[str]
    access: Access
    note: str = field(default="", compare=False)

    @property
    def roles(self) -> frozenset[Role]:
        """The roles admitted."""
        return ACCESS_ROLES[self.access]


# fmt: off
ROUTES: tuple[Route, ...] = (
    # --- Public pages, API and downloads (today's routes). What they *show* is filtered by
    # visibility (internal indicators only for signed-in roles); the route itself is public.
    Route("/", READ, Access.PUBLIC, "startpagina"),
    Route("/gemeente", READ, Access.PUBLIC, "doorverwijzing naar een gemeente"),
    Route("/gemeente/{code}", READ, Access.PUBLIC, "kaart en tabel"),
    Route("/gemeente/{code}/tabel.csv", READ, Access.PUBLIC, "download"),
    Route("/gemeente/{code}/stapeling", READ, Access.PUBLIC, "stapelkaart"),
    Route("/gemeente/{code}/stapeling.csv", READ, Access.PUBLIC, "download"),
    Route("/regio/{code}", READ, Access.PUBLIC, "profiel"),
    # --- Reports and exports (issue 13 item 3): public routes; what they hold follows
    # visibility through the request's catalogue and cube, like the pages they print.
    Route("/regio/{code}/rapport", READ, Access.PUBLIC, "rapport om af te drukken"),
    Route("/regio/{code}/rapport.pdf", READ, Access.PUBLIC, "download"),
    Route("/gemeente/{code}/tabel.xlsx", READ, Access.PUBLIC, "download"),
    Route("/gemeente/{code}/tabel.gpkg", READ, Access.PUBLIC, "download"),
    Route("/gemeente/{code}/verandering", READ, Access.PUBLIC, "kaart van verandering"),
    Route("/gemeente/{code}/verandering.geojson", READ, Access.PUBLIC, "kaartgegevens"),
    # --- Analysis (issue 15): public routes; the indicators come from the app's catalogue, so
    # what they show follows visibility like every other page.
    Route("/gemeente/{code}/analyse", READ, Access.PUBLIC, "analyse: overzicht"),
    Route("/gemeente/{code}/hotspots", READ, Access.PUBLIC, "hotspots"),
    Route("/gemeente/{code}/hotspots.csv", READ, Access.PUBLIC, "download"),
    Route("/api/v1/hotspots/{gebied}.geojson", READ, Access.PUBLIC, "download"),
    Route("/gemeente/{code}/jamwijken", READ, Access.PUBLIC, "jam-wijken"),
    Route("/gemeente/{code}/jamwijken.csv", READ, Access.PUBLIC, "download"),
    Route("/gemeente/{code}/buurttypen", READ, Access.PUBLIC, "buurttypen"),
    Route("/gemeente/{code}/buurttypen.csv", READ, Access.PUBLIC, "download"),
    Route("/api/v1/buurttypen/{gebied}.geojson", READ, Access.PUBLIC, "download"),
    Route("/indicatoren", READ, Access.PUBLIC, "catalogus"),
    Route("/indicatoren/{indicator_id}", READ, Access.PUBLIC, "indicatorpagina"),
    Route("/over", READ, Access.PUBLIC),
    Route("/toegankelijkheid", READ, Access.PUBLIC, "toegankelijkheidsverklaring"),
    Route("/api/v1/gemeenten", READ, Access.PUBLIC),
    Route("/api/v1/zoek", READ, Access.PUBLIC),
    Route("/zoek", READ, Access.PUBLIC, "zoeken op naam"),
    Route("/api/v1/regios/{code}", READ, Access.PUBLIC),
    Route("/api/v1/regios/{code}/profiel", READ, Access.PUBLIC),
    Route("/api/v1/indicatoren", READ, Access.PUBLIC),
    Route("/api/v1/indicatoren/{indicator_id}", READ, Access.PUBLIC),
    Route("/api/v1/waarden", READ, Access.PUBLIC),
    Route("/api/v1/kaart/{gebied}.geojson", READ, Access.PUBLIC, "download"),
    Route("/api/v1/kaart/{gebied}/klassen.json", READ, Access.PUBLIC, "cijfers bij de kaarttegels"),
    Route("/api/v1/kaart/{gebied}/namen.json", READ, Access.PUBLIC, "namen op de kaart"),
    Route("/api/v1/tegels/{niveau}/{z}/{x}/{y}.pbf", READ, Access.PUBLIC, "kaarttegels; met ?indicator= de cijfers"),
    Route("/api/v1/ondergrond/water.geojson", READ, Access.PUBLIC, "water op de kaart (GSHHG, meegeleverd)"),
    Route("/api/v1/stapeling/{gebied}.geojson", READ, Access.PUBLIC, "download"),
    Route("/api/v1/stapeling/{gebied}", READ, Access.PUBLIC),
    Route("/api/v1/openapi.json", READ, Access.PUBLIC, "toont alleen publieke onderdelen aan publiek"),
    Route("/api/v1/docs", READ, Access.PUBLIC),
    Route("/static/{file:path}", READ, Access.PUBLIC),
    Route("/gezond", READ, Access.PUBLIC, "liveness"),
    Route("/klaar", READ, Access.PUBLIC, "readiness"),
    # --- Stapeling van voorzieningen (issue 11): linked partner figures, internal until a
    # beheerder publishes the stapeling source (issue 12 item 3). The route is public; for
    # publiek an unpublished stapeling does not exist (web/visibility.py: the same 404 as a
    # gemeente without one).
    Route("/gemeente/{code}/voorzieningen", READ, Access.PUBLIC, "ketenpartners, gepubliceerd"),
    Route("/gemeente/{code}/voorzieningen.csv", READ, Access.PUBLIC, "download, gepubliceerd"),
    Route("/api/v1/voorzieningen/{gebied}.geojson", READ, Access.PUBLIC, "download, gepubliceerd"),
    Route("/api/v1/voorzieningen/{gebied}", READ, Access.PUBLIC, "gepubliceerd"),
    # --- Group-level risk factors (issue 15 item 4): estimates from a partner's research
    # environment, internal (never published): every signed-in role reads them.
    Route("/gemeente/{code}/risicofactoren", READ, Access.INTERNAL, "risicofactoren op groepsniveau"),
    Route("/gemeente/{code}/risicofactoren.csv", READ, Access.INTERNAL, "download, intern"),
    # --- Sign-in (helper "oidc"): public, forms protected by CSRF.
    Route("/inloggen", READ | WRITE, Access.PUBLIC, "formulier lokale accounts"),
    Route("/inloggen/oidc", READ, Access.PUBLIC, "naar de identity provider"),
    Route("/inloggen/oidc/terug", READ, Access.PUBLIC, "callback van de identity provider"),
    Route("/uitloggen", WRITE, Access.PUBLIC, "zonder sessie: niets te beëindigen"),
    # --- Steering (issue 16): framework, data inventory, goals, P&C export. Internal; the
    # framework and goals are written by an analist, the inventory's fields by a beheerder.
    Route("/sturen", READ, Access.INTERNAL, "indicatorenkader"),
    Route("/sturen/kader.yaml", READ, Access.INTERNAL, "kader als YAML"),
    Route("/sturen/kader/bewerken", READ, Access.ANALYST, "kader bewerken"),
    Route("/sturen/kader", WRITE, Access.ANALYST, "kader opslaan of importeren"),
    Route("/sturen/kader/indicator", WRITE, Access.ANALYST, "indicator aan een subdoel"),
    Route("/sturen/bronnen", READ, Access.INTERNAL, "data-inventaris"),
    Route("/sturen/bronnen", WRITE, Access.ADMIN, "bron bewerken"),
    Route("/sturen/bronnen.csv", READ, Access.INTERNAL, "download"),
    Route("/sturen/bronnen.xlsx", READ, Access.INTERNAL, "download"),
    Route("/sturen/doelen/{thema}", READ, Access.INTERNAL, "doelen van een aandachtsgebied"),
    Route("/sturen/doelen/{thema}", WRITE, Access.ANALYST, "doel toevoegen"),
    Route("/sturen/doelen/{thema}/streefwaarde", WRITE, Access.ANALYST, "streefwaarde"),
    Route("/sturen/doelen/{thema}/ambitie", WRITE, Access.ANALYST, "ambitie"),
    Route("/sturen/doelen/{thema}/verwijder", WRITE, Access.ANALYST, "doel verwijderen"),
    Route("/sturen/doelen/{thema}/pc.xlsx", READ, Access.INTERNAL, "P&C-export"),
    Route("/sturen/doelen/{thema}/pc.pdf", READ, Access.INTERNAL, "P&C-export"),
    # --- Internal routes (issue 12 items 3-5; fill in as they are built). Keep them under these
    # prefixes so that a forgotten row is refused, not opened.
    Route("/intern/{rest:path}", READ, Access.INTERNAL, "interne pagina's en downloads"),
    Route("/api/v1/intern/{rest:path}", READ, Access.INTERNAL, "interne API"),
    # --- Duiding (issue 16 item 4): every signed-in role proposes (invited professionals have a
    # lezer account), an analist approves; approved duiding is shown on the map and profile.
    Route("/duiding/nieuw", READ | WRITE, Access.INTERNAL, "duiding voorstellen"),
    Route("/duiding/beoordelen", READ, Access.ANALYST, "duiding beoordelen"),
    Route("/duiding/{id}/goedkeuren", WRITE, Access.ANALYST, "duiding goedkeuren"),
    Route("/duiding/{id}/afwijzen", WRITE, Access.ANALYST, "duiding afwijzen"),
    Route("/duiding/{rest:path}", READ | WRITE, Access.ANALYST, "duiding en doelen (later)"),
    # --- Doorbraken register (issue 16 item 5): case workers (every signed-in role) record;
    # the analysis shows only protected counts, internal.
    Route("/doorbraken", READ, Access.INTERNAL, "beschermde analyse"),
    Route("/doorbraken/analyse.csv", READ, Access.INTERNAL, "download, intern"),
    Route("/doorbraken/nieuw", READ | WRITE, Access.INTERNAL, "doorbraak vastleggen"),
    Route("/beheer", READ, Access.ADMIN, "beheeroverzicht"),
    Route("/beheer/publicatie", READ | WRITE, Access.ADMIN, "zichtbaarheid: publiceren, intrekken"),
    Route("/beheer/imports", READ | WRITE, Access.ADMIN, "bestand of pakket uploaden (achtergrondimport)"),
    Route("/beheer/imports/{job_id}", READ, Access.ADMIN, "voortgang en rapport van een import"),
    Route("/beheer/imports/{job_id}/status", READ, Access.ADMIN, "voortgang als JSON (script van de pagina)"),
    Route("/beheer/{rest:path}", READ | WRITE, Access.ADMIN, "imports, publicatie, gebruikers"),
    Route("/audit", READ, Access.PRIVACY, "auditlog inzien"),
    Route("/audit/{rest:path}", READ, Access.PRIVACY, "auditlog exporteren"),
)
# fmt: on


def _compile(pattern: str) -> re.Pattern[str]:
    out = []
    for part in re.split(r"(\{[^}]+\})", pattern):
        if part.startswith("{") and part.endswith("}"):
            out.append(".+" if part.endswith(":path}") else "[^/]+")
        else:
            out.append(re.escape(part))
    return re.compile("".join(out))


@cache
def _compiled() -> tuple[tuple[re.Pattern[str], Route], ...]:
    return tuple((_compile(r.pattern), r) for r in ROUTES)


def route_for(method: str, path: str) -> Route | None:
    """The row of :data:`ROUTES` for a request, or ``None`` (no row: refuse)."""
    method = method.upper()
    for regex, route in _compiled():
        if method in route.methods and regex.fullmatch(path):
            return route
    return None


def allowed(role: Role | str | None, method: str, path: str) -> bool:
    """Whether ``role`` (``None``: not signed in) may ``method`` ``path``; deny by default."""
    route = route_for(method, path)
    if route is None:
        return False
    who = Role.PUBLIC if role is None else Role(role)
    return who in route.roles
