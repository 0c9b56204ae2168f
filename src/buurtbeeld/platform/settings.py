"""Settings of a shared platform, from environment variables; unsafe values are refused.

With no variables set, Buurtbeeld stays what it was: a local viewer without sign-in (``uit``).
Every variable, its default and its rule (Dutch, for the gemeente's IT) is in docs/installatie.md.
Errors never quote a secret.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

from buurtbeeld.platform.errors import SettingsError
from buurtbeeld.platform.roles import Role, parse_role

PREFIX = "BUURTBEELD_"
SIGN_IN_MODES = ("lokaal", "oidc")
MIN_SECRET = 32
_PLACEHOLDERS = ("change", "wijzig", "vervang", "voorbeeld", "example", "secret", "geheim", "xxxx")
#: When a user's claim maps to several roles, the first of these wins.
ROLE_PRECEDENCE = (Role.ADMIN, Role.ANALYST, Role.PRIVACY, Role.READER)


def is_loopback(host: str) -> bool:
    """``localhost``, 127.0.0.0/8 or ::1."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class OidcSettings:
    """The gemeente's OpenID Connect provider."""

    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    role_claim: str = "roles"
    role_map: Mapping[str, Role] = field(default_factory=dict)
    default_role: Role | None = None
    scopes: str = "openid profile email"

    def role_for(self, claim_values: list[str] | str | None) -> Role | None:
        """The role for a user's claim values (``None``: no mapped value, refuse the sign-in)."""
        if isinstance(claim_values, str):
            claim_values = [claim_values]
        roles = {self.role_map[v] for v in claim_values or [] if v in self.role_map}
        for role in ROLE_PRECEDENCE:
            if role in roles:
                return role
        return self.default_role


@dataclass(frozen=True)
class Settings:
    """The validated settings."""

    sign_in: frozenset[str] = frozenset()  # empty: local viewer without sign-in
    session_secret: str = field(default="", repr=False)
    session_ttl: timedelta = timedelta(hours=8)
    public_url: str | None = None  # BUURTBEELD_ADRES, as users reach the app
    public_instance: bool = False
    oidc: OidcSettings | None = None

    @property
    def local_viewer(self) -> bool:
        """No sign-in: today's single-user viewer (bind to 127.0.0.1)."""
        return not self.sign_in

    @property
    def local_accounts(self) -> bool:
        """Sign-in with a local user name and password is on."""
        return "lokaal" in self.sign_in

    @property
    def cookie_secure(self) -> bool:
        """Session cookies carry ``Secure``: always, except with an explicit http address on
        this machine (browsers accept Secure cookies on http://localhost, not on 127.0.0.1)."""
        return self.public_url is None or urlsplit(self.public_url).scheme == "https"


def _fail(name: str, message: str, code: str, hint: str) -> SettingsError:
    return SettingsError(f"{PREFIX}{name}: {message}", code=code, hint=hint)


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int, code: str) -> int:
    raw = env.get(PREFIX + name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _fail(
            name, "is geen geheel getal.", code, f"Geef een getal van {low} tot {high}."
        ) from None
    if not low <= value <= high:
        raise _fail(
            name,
            f"moet tussen {low} en {high} liggen.",
            code,
            f"Geef een getal van {low} tot {high}.",
        )
    return value


def _bool(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(PREFIX + name, "").strip().lower()
    if raw in ("", "nee", "0", "false", "no", "uit"):
        return False
    if raw in ("ja", "1", "true", "yes", "aan"):
        return True
    raise _fail(name, "is geen ja of nee.", "BB-PLT-037", "Schrijf ja of nee.")


def _check_secret(secret: str) -> None:
    hint = (
        f"Zet {PREFIX}SESSIE_GEHEIM op minstens {MIN_SECRET} willekeurige tekens, bijvoorbeeld "
        'uit: python -c "import secrets; print(secrets.token_urlsafe(48))". Bewaar het als '
        "geheim (niet in versiebeheer)."
    )
    if not secret:
        raise _fail("SESSIE_GEHEIM", "ontbreekt, terwijl aanmelden aan staat.", "BB-PLT-032", hint)
    if len(secret) < MIN_SECRET:
        raise _fail("SESSIE_GEHEIM", f"is korter dan {MIN_SECRET} tekens.", "BB-PLT-032", hint)
    lowered = secret.lower()
    if len(set(secret)) < 12 or any(p in lowered for p in _PLACEHOLDERS):
        raise _fail(
            "SESSIE_GEHEIM",
            "lijkt geen willekeurig geheim (te eentonig of een voorbeeldtekst).",
            "BB-PLT-032",
            hint,
        )


def _url(env: Mapping[str, str], name: str) -> str | None:
    raw = env.get(PREFIX + name, "").strip()
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _fail(
            name,
            "is geen http(s)-adres.",
            "BB-PLT-037",
            "Schrijf bijvoorbeeld https://buurtbeeld.gemeente.nl.",
        )
    return raw.rstrip("/")


def _role_map(raw: str) -> dict[str, Role]:
    mapping: dict[str, Role] = {}
    for pair in filter(None, (p.strip() for p in raw.split(","))):
        claim, sep, role = pair.rpartition("=")
        if not sep or not claim.strip():
            raise _fail(
                "OIDC_ROLLEN",
                f"'{pair[:40]}' is geen koppeling groep=rol.",
                "BB-PLT-035",
                "Schrijf bijvoorbeeld buurtbeeld-lezers=lezer,buurtbeeld-beheer=beheerder.",
            )
        try:
            mapping[claim.strip()] = parse_role(role)
        except ValueError:
            raise _fail(
                "OIDC_ROLLEN",
                f"onbekende rol '{role.strip()[:40]}'.",
                "BB-PLT-035",
                "Kies lezer, analist, beheerder of privacyfunctionaris.",
            ) from None
    return mapping


def _oidc(env: Mapping[str, str]) -> OidcSettings:
    def need(name: str) -> str:
        value = env.get(PREFIX + name, "").strip()
        if not value:
            raise _fail(
                name,
                "ontbreekt, terwijl aanmelden via OIDC aan staat.",
                "BB-PLT-034",
                "Vraag de gegevens van de app-registratie aan de beheerder van de identity provider.",
            )
        return value

    issuer = need("OIDC_UITGEVER").rstrip("/")
    parts = urlsplit(issuer)
    if parts.scheme != "https" and not (
        parts.scheme == "http" and is_loopback(parts.hostname or "")
    ):
        raise _fail(
            "OIDC_UITGEVER",
            "moet een https-adres zijn.",
            "BB-PLT-034",
            "Gebruik het https-adres van de identity provider (alleen localhost mag http).",
        )
    role_map = _role_map(env.get(PREFIX + "OIDC_ROLLEN", ""))
    default = env.get(PREFIX + "OIDC_STANDAARDROL", "").strip()
    try:
        default_role = parse_role(default) if default else None
    except ValueError:
        raise _fail(
            "OIDC_STANDAARDROL",
            f"onbekende rol '{default[:40]}'.",
            "BB-PLT-035",
            "Kies lezer, analist, beheerder of privacyfunctionaris, of laat leeg.",
        ) from None
    if not role_map and default_role is None:
        raise _fail(
            "OIDC_ROLLEN",
            "ontbreekt: niemand zou een rol krijgen.",
            "BB-PLT-035",
            "Koppel groepen aan rollen, bijvoorbeeld buurtbeeld-lezers=lezer.",
        )
    return OidcSettings(
        issuer=issuer,
        client_id=need("OIDC_CLIENT_ID"),
        client_secret=need("OIDC_CLIENT_SECRET"),
        role_claim=env.get(PREFIX + "OIDC_ROLCLAIM", "").strip() or "roles",
        role_map=role_map,
        default_role=default_role,
        scopes=env.get(PREFIX + "OIDC_SCOPES", "").strip() or "openid profile email",
    )


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """The settings from ``env`` (default: the process environment), or a :class:`SettingsError`."""
    env = os.environ if env is None else env
    raw_modes = env.get(PREFIX + "AANMELDEN", "").strip().lower()
    modes = frozenset(m.strip() for m in raw_modes.split(",") if m.strip()) - {"uit"}
    if raw_modes and raw_modes != "uit" and not modes <= set(SIGN_IN_MODES):
        raise _fail(
            "AANMELDEN",
            f"onbekende waarde '{raw_modes[:40]}'.",
            "BB-PLT-036",
            "Kies uit, lokaal, oidc of lokaal,oidc.",
        )
    public_url = _url(env, "ADRES")
    minutes = _int(env, "SESSIE_MINUTEN", 480, 5, 7 * 24 * 60, "BB-PLT-031")
    public_instance = _bool(env, "PUBLIEKE_INSTANTIE")
    settings = Settings(
        sign_in=modes,
        session_secret=env.get(PREFIX + "SESSIE_GEHEIM", ""),
        session_ttl=timedelta(minutes=minutes),
        public_url=public_url,
        public_instance=public_instance,
        oidc=_oidc(env) if "oidc" in modes else None,
    )
    if settings.local_viewer:
        return settings
    if public_instance:
        raise _fail(
            "PUBLIEKE_INSTANTIE",
            "een publieke site heeft geen aanmelding.",
            "BB-PLT-030",
            f"Zet {PREFIX}AANMELDEN op uit voor de publieke site, of draai een aparte interne site.",
        )
    _check_secret(settings.session_secret)
    host = urlsplit(public_url or "").hostname or ""
    if public_url and not settings.cookie_secure and not is_loopback(host):
        raise _fail(
            "ADRES",
            "aanmelden over http buiten localhost: sessiecookies "
            "zouden onversleuteld over het netwerk gaan.",
            "BB-PLT-033",
            "Gebruik een https://-adres (de reverse proxy van de gemeente verzorgt TLS).",
        )
    return settings
