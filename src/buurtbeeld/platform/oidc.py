"""OpenID Connect sign-in (authorisation code flow with PKCE and nonce) with Authlib.

``OidcClient`` discovers the provider from its issuer URL, builds the authorisation request
(state, nonce, S256 code challenge), exchanges the code at the token endpoint (client id and
secret) and validates the id_token: signature against the provider's JWKS (fetched again once
for an unknown key id), ``iss``, ``aud``, ``exp`` (with a small leeway), ``nonce`` and
``azp``. It returns an ``Identity``; the platform settings map its role claim values to a
Buurtbeeld role (``platform.settings.OidcSettings.role_for``). The web layer keeps the
``PendingLogin`` (state, nonce, verifier) between the redirect and the callback, sealed with the
session secret (``seal`` / ``unseal``).

Nothing here logs or returns a token, secret or claim value in an error message.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlencode

import httpx2
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oidc.core import CodeIDToken
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from joserfc import jwt
from joserfc.errors import (
    BadSignatureError,
    ClaimError,
    ExpiredTokenError,
    InvalidClaimError,
    InvalidKeyIdError,
    JoseError,
    MissingClaimError,
)
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from buurtbeeld.platform.auth_errors import AuthError

# How long a started sign-in may take at the provider, and how long discovery is cached.
PENDING_TTL_SECONDS = 600
METADATA_TTL_SECONDS = 3600
HTTP_TIMEOUT_SECONDS = 10.0
_ID_TOKEN_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384"]

_PROVIDER_HINT = (
    "Probeer opnieuw aan te melden. Blijft dit gebeuren, meld het dan aan de beheerder van "
    "Buurtbeeld (de identiteitsprovider of de instellingen kloppen niet)."
)


@dataclass(frozen=True)
class OidcClientSettings:
    """Where the provider is and who we are there (see ``platform.auth_settings``)."""

    issuer: str
    client_id: str
    client_secret: str
    redirect_uri: str
    scopes: str = "openid profile email"
    role_claim: str = "roles"
    post_logout_redirect_uri: str | None = None
    leeway_seconds: int = 60


@dataclass(frozen=True)
class Identity:
    """A validated id_token: who signed in, where, and the values of the role claim."""

    issuer: str
    subject: str
    name: str
    claim_values: tuple[str, ...]
    id_token: str


@dataclass(frozen=True)
class PendingLogin:
    """What a started sign-in must remember until the provider sends the user back."""

    state: str
    nonce: str
    code_verifier: str
    next_path: str
    started: float

    @classmethod
    def start(cls, next_path: str) -> PendingLogin:
        return cls(
            state=secrets.token_urlsafe(32),
            nonce=secrets.token_urlsafe(32),
            code_verifier=secrets.token_urlsafe(64),
            next_path=next_path,
            started=time.time(),
        )


def _aead_key(secret: str) -> bytes:
    return hashlib.sha256(b"buurtbeeld-oidc-pending\x00" + secret.encode()).digest()


def seal(pending: PendingLogin, secret: str) -> str:
    """The pending sign-in as an encrypted, authenticated cookie value (AES-GCM)."""
    nonce = secrets.token_bytes(12)
    plain = json.dumps(asdict(pending), separators=(",", ":")).encode()
    box = AESGCM(_aead_key(secret)).encrypt(nonce, plain, b"pending-login")
    return base64.urlsafe_b64encode(nonce + box).decode().rstrip("=")


def unseal(value: str | None, secret: str, *, now: float | None = None) -> PendingLogin:
    """Open a sealed pending sign-in; a missing, altered or stale one is refused."""
    refused = AuthError(
        "Deze aanmelding is niet (meer) geldig: ze is verlopen, al gebruikt of niet in deze "
        "browser begonnen.",
        code="BB-AUTH-004",
        hint="Begin opnieuw bij 'Aanmelden'.",
    )
    if not value:
        raise refused
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        plain = AESGCM(_aead_key(secret)).decrypt(raw[:12], raw[12:], b"pending-login")
        pending = PendingLogin(**json.loads(plain))
    except (ValueError, TypeError, InvalidTag):
        raise refused from None
    if (now or time.time()) - pending.started > PENDING_TTL_SECONDS:
        raise refused
    return pending


class OidcClient:
    """One relying party at one provider; thread-safe, caches discovery and the JWKS."""

    def __init__(self, settings: OidcClientSettings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._metadata: dict[str, Any] | None = None
        self._metadata_at = 0.0
        self._jwks: dict[str, Any] | None = None

    # -- provider metadata -------------------------------------------------------------------
    def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = httpx2.get(url, timeout=HTTP_TIMEOUT_SECONDS)
            response.raise_for_status()
            data = response.json()
        except (httpx2.HTTPError, ValueError):
            raise AuthError(
                "De identiteitsprovider is niet bereikbaar of gaf een onbruikbaar antwoord.",
                code="BB-AUTH-012",
                hint=_PROVIDER_HINT,
            ) from None
        if not isinstance(data, dict):
            raise AuthError(
                "De identiteitsprovider gaf een onbruikbaar antwoord.",
                code="BB-AUTH-012",
                hint=_PROVIDER_HINT,
            )
        return data

    def metadata(self) -> dict[str, Any]:
        """The provider's discovery document (``issuer`` must equal the configured one)."""
        with self._lock:
            fresh = time.monotonic() - self._metadata_at < METADATA_TTL_SECONDS
            if self._metadata is not None and fresh:
                return self._metadata
        issuer = self.settings.issuer.rstrip("/")
        data = self._get_json(f"{issuer}/.well-known/openid-configuration")
        needed = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
        if data.get("issuer") != self.settings.issuer or not all(data.get(k) for k in needed):
            raise AuthError(
                "Het configuratiedocument van de identiteitsprovider hoort niet bij de "
                "ingestelde uitgever of is onvolledig.",
                code="BB-AUTH-012",
                hint="Controleer BUURTBEELD_OIDC_UITGEVER: die moet precies gelijk zijn aan "
                "'issuer' in het configuratiedocument van de provider.",
            )
        with self._lock:
            self._metadata, self._metadata_at = data, time.monotonic()
        return data

    def _key_set(self, *, refresh: bool = False) -> KeySet:
        with self._lock:
            cached = self._jwks
        if cached is None or refresh:
            cached = self._get_json(self.metadata()["jwks_uri"])
            with self._lock:
                self._jwks = cached
        try:
            return KeySet.import_key_set(cached)  # type: ignore[arg-type]
        except (JoseError, ValueError, TypeError, KeyError):
            raise AuthError(
                "De sleutels van de identiteitsprovider zijn onbruikbaar.",
                code="BB-AUTH-012",
                hint=_PROVIDER_HINT,
            ) from None

    def _session(self) -> OAuth2Client:
        return OAuth2Client(
            client_id=self.settings.client_id,
            client_secret=self.settings.client_secret,
            scope=self.settings.scopes,
            redirect_uri=self.settings.redirect_uri,
            code_challenge_method="S256",
            timeout=HTTP_TIMEOUT_SECONDS,
        )

    # -- the flow ----------------------------------------------------------------------------
    def authorization_url(self, pending: PendingLogin) -> str:
        """Where to send the browser: the provider's sign-in with state, nonce and PKCE."""
        endpoint = self.metadata()["authorization_endpoint"]
        with self._session() as client:
            url, _ = client.create_authorization_url(
                endpoint,
                state=pending.state,
                code_verifier=pending.code_verifier,
                nonce=pending.nonce,
            )
        return str(url)

    def finish(self, params: Mapping[str, str], pending: PendingLogin) -> Identity:
        """Check the callback, exchange the code and validate the id_token."""
        if params.get("error"):
            raise AuthError(
                "De identiteitsprovider heeft de aanmelding niet toegestaan of afgebroken.",
                code="BB-AUTH-005",
                hint="Probeer opnieuw aan te melden; vraag anders de beheerder om toegang.",
            )
        state = params.get("state", "")
        if not hmac.compare_digest(state.encode(), pending.state.encode()):
            raise AuthError(
                "Het antwoord van de identiteitsprovider hoort niet bij deze aanmelding.",
                code="BB-AUTH-004",
                hint="Begin opnieuw bij 'Aanmelden'.",
            )
        metadata = self.metadata()
        if "iss" in params and params["iss"] != metadata["issuer"]:  # RFC 9207 mix-up defence
            raise AuthError(
                "Het antwoord komt van een andere identiteitsprovider dan ingesteld.",
                code="BB-AUTH-009",
                hint=_PROVIDER_HINT,
            )
        if not params.get("code"):
            raise AuthError(
                "Het antwoord van de identiteitsprovider bevat geen code.",
                code="BB-AUTH-005",
                hint="Begin opnieuw bij 'Aanmelden'.",
            )
        try:
            with self._session() as client:
                token = client.fetch_token(
                    metadata["token_endpoint"],
                    grant_type="authorization_code",
                    code=params["code"],
                    code_verifier=pending.code_verifier,
                )
        except (OAuthError, httpx2.HTTPError, ValueError, KeyError):
            raise AuthError(
                "De identiteitsprovider wisselde de aanmeldcode niet in.",
                code="BB-AUTH-013",
                hint=_PROVIDER_HINT,
            ) from None
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise AuthError(
                "De identiteitsprovider stuurde geen id_token.",
                code="BB-AUTH-006",
                hint=_PROVIDER_HINT,
            )
        return self.verify_id_token(id_token, pending.nonce, token.get("access_token"))

    def verify_id_token(self, id_token: str, nonce: str, access_token: str | None) -> Identity:
        """Signature (JWKS), iss, aud, exp, nonce, azp and at_hash of an id_token."""
        registry = JWSRegistry(algorithms=_ID_TOKEN_ALGORITHMS)
        try:
            try:
                decoded = jwt.decode(id_token, self._key_set(), registry=registry)
            except InvalidKeyIdError:  # the provider rotated its keys
                decoded = jwt.decode(id_token, self._key_set(refresh=True), registry=registry)
            params: dict[str, Any] = {"nonce": nonce, "client_id": self.settings.client_id}
            if access_token:
                params["access_token"] = access_token
            options: dict[str, Any] = {
                "iss": {"essential": True, "value": self.metadata()["issuer"]},
                "aud": {"essential": True, "value": self.settings.client_id},
                "nonce": {"essential": True},
            }
            claims = CodeIDToken(decoded.claims, decoded.header, options, params)
            claims.validate(leeway=self.settings.leeway_seconds)
        except JoseError as exc:
            raise _token_error(exc) from None
        values = claims.get(self.settings.role_claim, [])
        if isinstance(values, str):
            values = [values]
        name = str(claims.get("preferred_username") or claims.get("name") or claims["sub"])
        return Identity(
            issuer=str(claims["iss"]),
            subject=str(claims["sub"]),
            name=name,
            claim_values=tuple(str(v) for v in values if isinstance(v, str | int)),
            id_token=id_token,
        )

    def logout_url(self, id_token: str | None, post_logout_redirect_uri: str) -> str | None:
        """RP-initiated logout at the provider, when it offers ``end_session_endpoint``."""
        endpoint = self.metadata().get("end_session_endpoint")
        if not endpoint:
            return None
        query = {"client_id": self.settings.client_id}
        query["post_logout_redirect_uri"] = post_logout_redirect_uri
        if id_token:
            query["id_token_hint"] = id_token
        separator = "&" if "?" in endpoint else "?"
        return f"{endpoint}{separator}{urlencode(query)}"


def _token_error(exc: JoseError) -> AuthError:
    """A Dutch, coded refusal for a rejected id_token (never the token or a claim value)."""
    claim = getattr(exc, "claim", None)
    if isinstance(exc, ExpiredTokenError):
        code, what = "BB-AUTH-007", "is verlopen"
    elif isinstance(exc, InvalidClaimError | MissingClaimError) and claim == "aud":
        code, what = "BB-AUTH-008", "is voor een andere toepassing bestemd"
    elif isinstance(exc, InvalidClaimError | MissingClaimError) and claim == "iss":
        code, what = "BB-AUTH-009", "komt van een andere uitgever"
    elif isinstance(exc, InvalidClaimError | MissingClaimError) and claim == "nonce":
        code, what = "BB-AUTH-010", "hoort niet bij deze aanmelding"
    elif isinstance(exc, BadSignatureError):
        code, what = "BB-AUTH-006", "heeft geen geldige handtekening"
    elif isinstance(exc, ClaimError):
        code, what = "BB-AUTH-006", "bevat ongeldige gegevens"
    else:
        code, what = "BB-AUTH-006", "is niet te controleren"
    return AuthError(
        f"Het identiteitsbewijs (id_token) van de identiteitsprovider {what}; u bent niet "
        "aangemeld.",
        code=code,
        hint=_PROVIDER_HINT,
    )
