"""What sign-in needs at run time, built from the platform settings (``platform.settings``).

The environment variables, their defaults and the refusal of unsafe values live in
``platform.settings.load_settings`` (docs/installatie.md). This module adds what the web sign-in
derives from them: the OIDC redirect URI (``<BUURTBEELD_ADRES>/inloggen/oidc/terug``), the
address to return to after logout at the provider, and (for tests) an in-process rate limiter.
``from_environment`` returns ``None`` when sign-in is off: the app stays the local viewer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

from buurtbeeld.errors import ConfigError
from buurtbeeld.platform.login_limit import Limiter
from buurtbeeld.platform.oidc import OidcClientSettings
from buurtbeeld.platform.roles import Role
from buurtbeeld.platform.settings import Settings, load_settings

CALLBACK_PATH = "/inloggen/oidc/terug"


@dataclass(frozen=True)
class AuthConfig:
    """Everything the sign-in routes need."""

    session_secret: str
    local: bool = True
    oidc: OidcClientSettings | None = None
    # The Buurtbeeld role for the values of the role claim (``None``: refuse the sign-in).
    role_for: Callable[[list[str]], Role | None] | None = field(default=None, compare=False)
    session_ttl: timedelta = timedelta(hours=8)
    secure_cookies: bool = True
    post_logout_url: str = "/"
    hosts: tuple[str, ...] = ()  # the host name of BUURTBEELD_ADRES: the app answers to it
    # None: the web app counts failed sign-ins in the platform database (all workers alike)
    limiter: Limiter | None = field(default=None, compare=False)


def from_settings(settings: Settings) -> AuthConfig | None:
    """The sign-in configuration of validated platform settings (``None``: no sign-in)."""
    if settings.local_viewer:
        return None
    oidc = None
    role_for = None
    host = urlsplit(settings.public_url).hostname if settings.public_url else None
    if settings.oidc is not None:
        if not settings.public_url:
            raise ConfigError(
                "Voor aanmelden via OIDC ontbreekt BUURTBEELD_ADRES: zonder dat adres weet "
                "Buurtbeeld niet waarheen de identiteitsprovider moet terugsturen.",
                code="BB-AUTH-014",
                hint="Zet BUURTBEELD_ADRES op het adres waarop gebruikers Buurtbeeld bereiken "
                f"(bijvoorbeeld https://buurtbeeld.gemeente.nl) en registreer "
                f"<adres>{CALLBACK_PATH} als redirect-URI bij de identiteitsprovider.",
            )
        oidc = OidcClientSettings(
            issuer=settings.oidc.issuer,
            client_id=settings.oidc.client_id,
            client_secret=settings.oidc.client_secret,
            redirect_uri=settings.public_url + CALLBACK_PATH,
            scopes=settings.oidc.scopes,
            role_claim=settings.oidc.role_claim,
            post_logout_redirect_uri=settings.public_url + "/",
        )
        role_for = settings.oidc.role_for
    return AuthConfig(
        session_secret=settings.session_secret,
        local=settings.local_accounts,
        oidc=oidc,
        role_for=role_for,
        session_ttl=settings.session_ttl,
        secure_cookies=settings.cookie_secure,
        hosts=(host,) if host else (),
    )


def from_environment(env: Mapping[str, str] | None = None) -> AuthConfig | None:
    """``from_settings(load_settings(env))``: unsafe values raise a Dutch error."""
    return from_settings(load_settings(env))
