"""Sign-in settings from environment variables; unsafe values are refused in Dutch.

With ``BUURTBEELD_AANMELDEN`` unset (or ``uit``) there is no sign-in and the web app stays the
local viewer. Otherwise:

| variable | meaning |
|---|---|
| ``BUURTBEELD_AANMELDEN`` | ``lokaal``, ``oidc`` or ``lokaal,oidc`` |
| ``BUURTBEELD_SESSIE_GEHEIM`` | at least 32 characters; seals the pending OIDC sign-in |
| ``BUURTBEELD_SESSIE_MINUTEN`` | session lifetime (default 480) |
| ``BUURTBEELD_ADRES`` | public address, ``https://…`` (``http://`` only for 127.0.0.1/localhost) |
| ``BUURTBEELD_OIDC_UITGEVER`` | issuer URL of the identity provider (``https://``) |
| ``BUURTBEELD_OIDC_CLIENT_ID`` / ``_CLIENT_SECRET`` | this application at the provider |
| ``BUURTBEELD_OIDC_REDIRECT_URI`` | default ``<adres>/inloggen/oidc/terug`` |
| ``BUURTBEELD_OIDC_SCOPES`` | default ``openid profile email`` |
| ``BUURTBEELD_OIDC_ROLCLAIM`` | claim with groups or roles (default ``roles``) |
| ``BUURTBEELD_OIDC_ROLLEN`` | ``waarde=rol,waarde=rol`` (roles: lezer, analist, beheerder, privacyfunctionaris) |
| ``BUURTBEELD_OIDC_STANDAARDROL`` | role when no value maps (default: none, sign-in refused) |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

from buurtbeeld.errors import ConfigError
from buurtbeeld.platform.login_limit import LoginLimiter
from buurtbeeld.platform.oidc import OidcSettings

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
ROLE_NAMES = ("lezer", "analist", "beheerder", "privacyfunctionaris")
MIN_SECRET_LENGTH = 32


@dataclass(frozen=True)
class AuthConfig:
    """Everything sign-in needs; ``None`` from ``from_environment`` means: no sign-in."""

    session_secret: str
    local: bool = True
    oidc: OidcSettings | None = None
    session_ttl: timedelta = timedelta(hours=8)
    secure_cookies: bool = True
    post_logout_url: str = "/"
    limiter: LoginLimiter = field(default_factory=LoginLimiter, compare=False)


def _refuse(message: str, hint: str) -> ConfigError:
    return ConfigError(message, code="BB-AUTH-014", hint=hint)


def _url(name: str, value: str) -> tuple[str, bool]:
    """Check an address; return it and whether it is on this machine (loopback)."""
    parts = urlsplit(value)
    local = (parts.hostname or "") in LOOPBACK
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise _refuse(f"{name} is geen geldig adres.", "Gebruik de vorm https://naam.example.nl.")
    if parts.scheme == "http" and not local:
        raise _refuse(
            f"{name} gebruikt http buiten deze machine: wachtwoorden en sessiecookies zouden "
            "onversleuteld over het netwerk gaan.",
            "Gebruik https (achter de reverse proxy van de gemeente).",
        )
    return value.rstrip("/") if name == "BUURTBEELD_ADRES" else value, local


def _role_map(value: str) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in value.split(","))):
        claim, _, role = pair.rpartition("=")
        role = role.strip().lower()
        if not claim.strip() or role not in ROLE_NAMES:
            raise _refuse(
                "BUURTBEELD_OIDC_ROLLEN is onleesbaar of noemt een onbekende rol.",
                "Schrijf waarde=rol, gescheiden door komma's, met de rollen "
                + ", ".join(ROLE_NAMES)
                + " (bijvoorbeeld bb-beheer=beheerder,bb-lezen=lezer).",
            )
        mapping[claim.strip()] = role
    return mapping


def from_environment(env: Mapping[str, str] | None = None) -> AuthConfig | None:
    """The sign-in settings, ``None`` when sign-in is off; unsafe values raise BB-AUTH-014."""
    env = os.environ if env is None else env
    methods = {m.strip().lower() for m in env.get("BUURTBEELD_AANMELDEN", "").split(",")}
    methods.discard("")
    if not methods or methods == {"uit"}:
        return None
    if not methods <= {"lokaal", "oidc"}:
        raise _refuse(
            "BUURTBEELD_AANMELDEN kent alleen 'lokaal', 'oidc' of 'lokaal,oidc'.",
            "Laat de variabele leeg voor een lokale viewer zonder aanmelden.",
        )
    secret = env.get("BUURTBEELD_SESSIE_GEHEIM", "")
    if len(secret) < MIN_SECRET_LENGTH:
        raise _refuse(
            f"BUURTBEELD_SESSIE_GEHEIM ontbreekt of is korter dan {MIN_SECRET_LENGTH} tekens.",
            "Maak een geheim met: python3 -c 'import secrets; print(secrets.token_urlsafe(48))'.",
        )
    try:
        minutes = int(env.get("BUURTBEELD_SESSIE_MINUTEN", "480"))
    except ValueError:
        minutes = 0
    if not 1 <= minutes <= 7 * 24 * 60:
        raise _refuse(
            "BUURTBEELD_SESSIE_MINUTEN moet een heel getal tussen 1 en 10080 zijn.",
            "Bijvoorbeeld 480 (een werkdag).",
        )
    address, secure = env.get("BUURTBEELD_ADRES", ""), True
    if address:
        address, local = _url("BUURTBEELD_ADRES", address)
        secure = not (local and address.startswith("http:"))
    oidc = _oidc(env, address) if "oidc" in methods else None
    return AuthConfig(
        session_secret=secret,
        local="lokaal" in methods,
        oidc=oidc,
        session_ttl=timedelta(minutes=minutes),
        secure_cookies=secure,
    )


def _oidc(env: Mapping[str, str], address: str) -> OidcSettings:
    missing = [
        f"BUURTBEELD_OIDC_{n}"
        for n in ("UITGEVER", "CLIENT_ID", "CLIENT_SECRET")
        if not env.get(f"BUURTBEELD_OIDC_{n}")
    ]
    redirect = env.get("BUURTBEELD_OIDC_REDIRECT_URI") or (
        f"{address}/inloggen/oidc/terug" if address else ""
    )
    if not redirect:
        missing.append("BUURTBEELD_OIDC_REDIRECT_URI (of BUURTBEELD_ADRES)")
    if missing:
        raise _refuse(
            "Voor aanmelden via OIDC ontbreekt: " + ", ".join(missing) + ".",
            "Vraag de gegevens van de applicatieregistratie aan de beheerder van de "
            "identiteitsprovider (Entra ID, Keycloak, …).",
        )
    issuer, _ = _url("BUURTBEELD_OIDC_UITGEVER", env["BUURTBEELD_OIDC_UITGEVER"])
    redirect, _ = _url("BUURTBEELD_OIDC_REDIRECT_URI", redirect)
    default_role = env.get("BUURTBEELD_OIDC_STANDAARDROL", "").strip().lower() or None
    if default_role is not None and default_role not in ROLE_NAMES:
        raise _refuse(
            "BUURTBEELD_OIDC_STANDAARDROL noemt een onbekende rol.",
            "Kies uit " + ", ".join(ROLE_NAMES) + ", of laat de variabele leeg.",
        )
    after = env.get("BUURTBEELD_OIDC_NA_AFMELDEN") or (f"{address}/" if address else None)
    return OidcSettings(
        issuer=issuer,
        client_id=env["BUURTBEELD_OIDC_CLIENT_ID"],
        client_secret=env["BUURTBEELD_OIDC_CLIENT_SECRET"],
        redirect_uri=redirect,
        scopes=env.get("BUURTBEELD_OIDC_SCOPES", "openid profile email"),
        role_claim=env.get("BUURTBEELD_OIDC_ROLCLAIM", "roles"),
        role_map=_role_map(env.get("BUURTBEELD_OIDC_ROLLEN", "")),
        default_role=default_role,
        post_logout_redirect_uri=after,
    )
