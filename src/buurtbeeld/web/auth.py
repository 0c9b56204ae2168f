"""Sign-in for the web app: local accounts, OpenID Connect, sessions, CSRF, logout.

Mounted only when sign-in is configured (``platform.auth_settings.from_environment`` returns
``None`` otherwise, and the app stays the local viewer it was). Routes:

- ``GET /inloggen``: the sign-in page (local form with CSRF token; a button for OIDC);
- ``POST /inloggen``: local sign-in (rate-limited per account and client address; one generic
  error for every wrong combination);
- ``GET /inloggen/oidc`` → the provider → ``GET /inloggen/oidc/terug``: OIDC code flow;
- ``POST /uitloggen``: ends the session (and at the provider, RP-initiated logout).

Every state-changing form carries a CSRF token: the session's own (``platform.sessions``) when
signed in, else a random one in a cookie of its own (double submit). The app runs
``require_csrf`` before every route (a form field ``csrf`` or an ``X-CSRF-Token`` header);
templates print ``csrf_token(request)``, and a page with an anonymous form sends the cookie with
``set_csrf_cookie``.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from buurtbeeld.platform.audit import AuditLog, Event
from buurtbeeld.platform.auth_errors import AuthError
from buurtbeeld.platform.auth_settings import AuthConfig
from buurtbeeld.platform.db import PlatformDB
from buurtbeeld.platform.errors import UserError
from buurtbeeld.platform.login_limit import Limiter, SharedLoginLimiter
from buurtbeeld.platform.oidc import OidcClient, PendingLogin, seal, unseal
from buurtbeeld.platform.roles import ACCOUNT_ROLES
from buurtbeeld.platform.sessions import Session, SessionStore
from buurtbeeld.platform.users import UserStore
from buurtbeeld.web.deps import templates

log = logging.getLogger("buurtbeeld.web.auth")

SESSION_COOKIE = "bb_sessie"
CSRF_COOKIE = "bb_formulier"
PENDING_COOKIE = "bb_oidc"
CSRF_FIELD = "csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class AuthState:
    """What the routes share: settings, stores and the OIDC client (``app.state.auth``)."""

    config: AuthConfig
    db: PlatformDB
    users: UserStore
    sessions: SessionStore
    audit: AuditLog
    oidc: OidcClient | None
    limiter: Limiter


class PrivateWhenSignedIn:
    """A response to a signed-in request is never kept by a shared cache (reverse proxy).

    Pages then carry the user's name and CSRF token. Static files stay cacheable.
    """

    def __init__(self, app: ASGIApp, cookie_name: str) -> None:
        self.app = app
        self.cookie_name = cookie_name

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["path"].startswith("/static/")
            or self.cookie_name not in Request(scope).cookies
        ):
            await self.app(scope, receive, send)
            return

        async def send_private(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["cache-control"] = "private, no-store"
            await send(message)

        await self.app(scope, receive, send_private)


def install(app: FastAPI, config: AuthConfig, db: PlatformDB) -> None:
    """Mount the sign-in routes and keep their state on the app."""
    audit = AuditLog(db)
    app.state.auth = AuthState(
        config=config,
        db=db,
        users=UserStore(db, audit),
        sessions=SessionStore(db),
        audit=audit,
        oidc=OidcClient(config.oidc) if config.oidc else None,
        limiter=config.limiter or SharedLoginLimiter(db, config.session_secret),
    )
    app.include_router(router)
    app.add_middleware(PrivateWhenSignedIn, cookie_name=_cookie_name(config))


def _state(request: Request) -> AuthState:
    state: AuthState | None = getattr(request.app.state, "auth", None)
    if state is None:  # pragma: no cover - the routes exist only with the state
        raise AuthError("Aanmelden is niet ingesteld.", code="BB-AUTH-014")
    return state


def current_session(request: Request) -> Session | None:
    """The session of this request's cookie (cached on the request), or ``None``."""
    if "bb_session" in request.scope:
        cached: Session | None = request.scope["bb_session"]
        return cached
    state: AuthState | None = getattr(request.app.state, "auth", None)
    session = None
    if state is not None:
        session = state.sessions.get(request.cookies.get(_cookie_name(state.config)))
    request.scope["bb_session"] = session
    return session


def _cookie_name(config: AuthConfig) -> str:
    # "__Host-": the browser only accepts it Secure, for this host, path / (no subdomain can
    # plant one).
    return ("__Host-" if config.secure_cookies else "") + SESSION_COOKIE


def csrf_token(request: Request) -> str:
    """The token a form of this page must carry (the session's, or the anonymous cookie's)."""
    session = current_session(request)
    if session is not None:
        return session.csrf_token
    token = request.cookies.get(CSRF_COOKIE)
    if not token or len(token) > 100:
        token = request.scope.setdefault("bb_new_csrf", secrets.token_urlsafe(32))
    return token


def set_csrf_cookie(request: Request, response: Response, config: AuthConfig) -> None:
    """Send the anonymous form token that ``csrf_token`` made for this page (if it made one)."""
    new = request.scope.get("bb_new_csrf")
    if new:
        response.set_cookie(
            CSRF_COOKIE,
            new,
            httponly=True,
            samesite="strict",
            secure=config.secure_cookies,
            path="/",
        )


async def require_csrf(request: Request) -> None:
    """Refuse a state-changing request whose form (or header) lacks this client's token."""
    if request.method in SAFE_METHODS:
        return
    submitted = request.headers.get("x-csrf-token")
    if submitted is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        submitted = value if isinstance(value, str) else None
    session = current_session(request)
    expected = session.csrf_token if session else request.cookies.get(CSRF_COOKIE)
    if not expected or not submitted or not hmac.compare_digest(expected, submitted):
        raise AuthError(
            "Dit formulier is verlopen of komt niet van deze Buurtbeeld-pagina.",
            code="BB-AUTH-003",
            hint="Laad de pagina opnieuw en verstuur het formulier nog eens.",
        )


templates.env.globals["csrf_token"] = csrf_token
templates.env.globals["current_session"] = current_session

router = APIRouter(include_in_schema=False)
CsrfDep = Annotated[None, Depends(require_csrf)]


def _next_path(value: str | None) -> str:
    """Only a path on this site (no ``//host`` or ``https://``: no open redirect)."""
    if (
        not value
        or not value.startswith("/")
        or value.startswith("//")
        or "\\" in value
        or any(c.isspace() or ord(c) < 32 for c in value)  # browsers drop tabs: "/\t/x" = "//x"
    ):
        return "/"
    return value[:500]


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "onbekend"


def _login_page(
    request: Request,
    state: AuthState,
    *,
    name: str = "",
    error: tuple[str, str] | None = None,
    status: int = 200,
    next_path: str = "/",
    headers: dict[str, str] | None = None,
) -> Response:
    response = templates.TemplateResponse(
        request,
        "inloggen.html",
        {
            "local": state.config.local,
            "oidc": state.oidc is not None,
            "name": name,
            "error": error[1] if error else None,
            "error_code": error[0] if error else None,
            "next_path": next_path,
        },
        status_code=status,
        headers={"cache-control": "no-store", **(headers or {})},
    )
    set_csrf_cookie(request, response, state.config)
    return response


def _signed_in(request: Request, state: AuthState, user: Any, next_path: str) -> Response:
    token = state.sessions.create(user, state.config.session_ttl)
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(
        _cookie_name(state.config),
        token,
        max_age=int(state.config.session_ttl.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=state.config.secure_cookies,
        path="/",
    )
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


@router.get("/inloggen")
def login_page(request: Request, volgende: str | None = None) -> Response:
    return _login_page(request, _state(request), next_path=_next_path(volgende))


@router.post("/inloggen")
def login(
    request: Request,
    _csrf: CsrfDep,
    gebruikersnaam: Annotated[str, Form(max_length=200)] = "",
    wachtwoord: Annotated[str, Form(max_length=1000)] = "",
    volgende: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    state = _state(request)
    next_path = _next_path(volgende)
    if not state.config.local:
        raise AuthError(
            "Aanmelden met een Buurtbeeld-wachtwoord staat uit.",
            code="BB-AUTH-015",
            hint="Meld u aan via de knop 'Aanmelden via uw organisatie'.",
        )
    address = _client_address(request)
    wait = state.limiter.wait_seconds(gebruikersnaam, address)
    if wait:
        minutes = max(1, -(-wait // 60))
        state.audit.append(
            Event.SIGN_IN_FAILED,
            _known_name(state, gebruikersnaam) or "onbekend",
            {"methode": "lokaal", "reden": "te veel pogingen"},
        )
        return _login_page(
            request,
            state,
            name=gebruikersnaam,
            status=429,
            next_path=next_path,
            headers={"retry-after": str(wait)},
            error=(
                "BB-AUTH-002",
                f"Te veel mislukte pogingen. Probeer het over {minutes} "
                f"{'minuut' if minutes == 1 else 'minuten'} opnieuw.",
            ),
        )
    user = state.users.verify(gebruikersnaam, wachtwoord)
    if user is None:
        state.limiter.failed(gebruikersnaam, address)
        known = _known_name(state, gebruikersnaam)
        state.audit.append(
            Event.SIGN_IN_FAILED,
            known or "onbekend",
            {"methode": "lokaal", "reden": "onjuist" if known else "onbekende naam"},
        )
        return _login_page(
            request,
            state,
            name=gebruikersnaam,
            status=401,
            next_path=next_path,
            error=("BB-AUTH-001", "Gebruikersnaam of wachtwoord onjuist."),
        )
    state.limiter.succeeded(gebruikersnaam)
    state.audit.append(Event.SIGN_IN, user.name, {"methode": "lokaal", "rol": user.role.value})
    return _signed_in(request, state, user, next_path)


def _known_name(state: AuthState, name: str) -> str | None:
    """The account name when it exists (a typo'd password in the name field is never logged)."""
    try:
        user = state.users.get(name)
    except UserError:
        return None
    return user.name if user else None


@router.get("/inloggen/oidc")
def oidc_start(request: Request, volgende: str | None = None) -> Response:
    state = _state(request)
    if state.oidc is None:
        raise AuthError(
            "Aanmelden via de organisatie is niet ingesteld.",
            code="BB-AUTH-015",
            hint="Meld u aan met uw Buurtbeeld-gebruikersnaam en wachtwoord.",
        )
    pending = PendingLogin.start(_next_path(volgende))
    response = RedirectResponse(state.oidc.authorization_url(pending), status_code=303)
    response.set_cookie(
        PENDING_COOKIE,
        seal(pending, state.config.session_secret),
        max_age=600,
        httponly=True,
        samesite="lax",  # sent on the provider's top-level redirect back
        secure=state.config.secure_cookies,
        path="/inloggen/oidc",
    )
    return response


@router.get("/inloggen/oidc/terug")
def oidc_callback(request: Request) -> Response:
    state = _state(request)
    if state.oidc is None or state.config.role_for is None:
        raise AuthError("Aanmelden via de organisatie is niet ingesteld.", code="BB-AUTH-015")
    try:
        pending = unseal(request.cookies.get(PENDING_COOKIE), state.config.session_secret)
        identity = state.oidc.finish(dict(request.query_params), pending)
    except AuthError as err:
        state.audit.append(Event.SIGN_IN_FAILED, "onbekend", {"methode": "oidc", "code": err.code})
        raise
    role = state.config.role_for(list(identity.claim_values))
    if role is None or role not in ACCOUNT_ROLES:
        state.audit.append(
            Event.SIGN_IN_FAILED, "onbekend", {"methode": "oidc", "code": "BB-AUTH-011"}
        )
        raise AuthError(
            "Uw account bij de organisatie heeft geen rol in Buurtbeeld.",
            code="BB-AUTH-011",
            hint="Vraag de beheerder van Buurtbeeld om u een rol te geven.",
        )
    user = state.users.external(identity.issuer, identity.subject, identity.name, role)
    state.audit.append(Event.SIGN_IN, user.name, {"methode": "oidc", "rol": user.role.value})
    response = _signed_in(request, state, user, pending.next_path)
    response.delete_cookie(PENDING_COOKIE, path="/inloggen/oidc")
    return response


@router.post("/uitloggen")
def logout(request: Request, _csrf: CsrfDep) -> Response:
    state = _state(request)
    session = current_session(request)
    target = state.config.post_logout_url
    if session is not None:
        state.sessions.end(request.cookies.get(_cookie_name(state.config)))
        state.audit.append(Event.SIGN_OUT, session.user.name, {})
        if session.user.external and state.oidc is not None:
            try:
                target = state.oidc.logout_url(None, _after_logout(state)) or target
            except AuthError:  # the provider is down: our session has ended all the same
                log.warning("Afmelden bij de identiteitsprovider niet mogelijk")
    response = RedirectResponse(target, status_code=303)
    response.delete_cookie(_cookie_name(state.config), path="/", secure=state.config.secure_cookies)
    return response


def _after_logout(state: AuthState) -> str:
    """Where the provider sends the browser after its logout (an absolute URL of this site)."""
    settings = state.config.oidc
    if settings is not None and settings.post_logout_redirect_uri:
        return settings.post_logout_redirect_uri
    return state.config.post_logout_url
