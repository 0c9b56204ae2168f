"""Settings from the environment: no configuration is a local viewer; unsafe values are refused."""

from __future__ import annotations

import secrets

import pytest

from buurtbeeld.platform.errors import SettingsError
from buurtbeeld.platform.roles import Role
from buurtbeeld.platform.settings import load_settings

SECRET = secrets.token_urlsafe(48)
SAFE = {
    "BUURTBEELD_AANMELDEN": "lokaal",
    "BUURTBEELD_SESSIE_GEHEIM": SECRET,
    "BUURTBEELD_ADRES": "https://buurtbeeld.gemeente.example",
}
OIDC = {
    **SAFE,
    "BUURTBEELD_AANMELDEN": "lokaal,oidc",
    "BUURTBEELD_OIDC_UITGEVER": "https://login.gemeente.example/realms/bb",
    "BUURTBEELD_OIDC_CLIENT_ID": "buurtbeeld",
    "BUURTBEELD_OIDC_CLIENT_SECRET": "client-" + secrets.token_hex(16),
    "BUURTBEELD_OIDC_ROLLEN": "bb-lezers=lezer, bb-beheer=beheerder,bb-fg=privacyfunctionaris",
}


def test_no_configuration_is_the_local_viewer() -> None:
    settings = load_settings({})
    assert settings.local_viewer and not settings.local_accounts and settings.oidc is None
    assert load_settings({"BUURTBEELD_AANMELDEN": "uit"}).local_viewer


def test_safe_configuration() -> None:
    settings = load_settings(SAFE)
    assert settings.local_accounts and settings.cookie_secure
    assert settings.session_ttl.total_seconds() == 8 * 3600
    assert SECRET not in repr(settings)


def _refused(env: dict[str, str]) -> SettingsError:
    with pytest.raises(SettingsError) as err:
        load_settings(env)
    text = str(err.value)
    for value in (SECRET, OIDC["BUURTBEELD_OIDC_CLIENT_SECRET"]):
        assert value not in text
    return err.value


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"BUURTBEELD_SESSIE_GEHEIM": ""}, "BB-PLT-032"),
        ({"BUURTBEELD_SESSIE_GEHEIM": SECRET[:20]}, "BB-PLT-032"),
        ({"BUURTBEELD_SESSIE_GEHEIM": "a" * 40}, "BB-PLT-032"),
        ({"BUURTBEELD_SESSIE_GEHEIM": "wijzig-mij-" + SECRET}, "BB-PLT-032"),
        ({"BUURTBEELD_ADRES": "http://buurtbeeld.gemeente.example"}, "BB-PLT-033"),
        ({"BUURTBEELD_ADRES": "http://10.1.2.3:8000"}, "BB-PLT-033"),
        ({"BUURTBEELD_ADRES": "ftp://x"}, "BB-PLT-037"),
        ({"BUURTBEELD_AANMELDEN": "ldap"}, "BB-PLT-036"),
        ({"BUURTBEELD_SESSIE_MINUTEN": "0"}, "BB-PLT-031"),
        ({"BUURTBEELD_SESSIE_MINUTEN": "acht uur"}, "BB-PLT-031"),
        ({"BUURTBEELD_PUBLIEKE_INSTANTIE": "ja"}, "BB-PLT-030"),
        ({"BUURTBEELD_PUBLIEKE_INSTANTIE": "misschien"}, "BB-PLT-037"),
    ],
)
def test_unsafe_local_sign_in_is_refused(change: dict[str, str], code: str) -> None:
    assert _refused({**SAFE, **change}).code == code


def test_http_is_allowed_on_localhost_without_secure_cookies() -> None:
    assert load_settings({k: v for k, v in SAFE.items() if k != "BUURTBEELD_ADRES"}).cookie_secure
    for url in ("http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:8000"):
        settings = load_settings({**SAFE, "BUURTBEELD_ADRES": url})
        assert not settings.cookie_secure


def test_oidc_settings_and_role_mapping() -> None:
    settings = load_settings(OIDC)
    assert settings.oidc is not None
    oidc = settings.oidc
    assert oidc.role_claim == "roles" and oidc.scopes == "openid profile email"
    assert oidc.role_for(["bb-lezers"]) is Role.READER
    assert oidc.role_for("bb-fg") is Role.PRIVACY
    assert oidc.role_for(["bb-lezers", "bb-beheer"]) is Role.ADMIN
    assert oidc.role_for(["iets-anders"]) is None and oidc.role_for(None) is None
    with_default = load_settings({**OIDC, "BUURTBEELD_OIDC_STANDAARDROL": "lezer"}).oidc
    assert with_default is not None and with_default.role_for([]) is Role.READER
    assert OIDC["BUURTBEELD_OIDC_CLIENT_SECRET"] not in repr(settings)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"BUURTBEELD_OIDC_UITGEVER": ""}, "BB-PLT-034"),
        ({"BUURTBEELD_OIDC_CLIENT_ID": ""}, "BB-PLT-034"),
        ({"BUURTBEELD_OIDC_CLIENT_SECRET": ""}, "BB-PLT-034"),
        ({"BUURTBEELD_OIDC_UITGEVER": "http://login.gemeente.example"}, "BB-PLT-034"),
        ({"BUURTBEELD_OIDC_ROLLEN": ""}, "BB-PLT-035"),
        ({"BUURTBEELD_OIDC_ROLLEN": "bb-lezers"}, "BB-PLT-035"),
        ({"BUURTBEELD_OIDC_ROLLEN": "bb=koning"}, "BB-PLT-035"),
        ({"BUURTBEELD_OIDC_STANDAARDROL": "publiek"}, "BB-PLT-035"),
    ],
)
def test_incomplete_or_unsafe_oidc_is_refused(change: dict[str, str], code: str) -> None:
    assert _refused({**OIDC, **change}).code == code


def test_a_local_test_provider_may_use_http() -> None:
    env = {**OIDC, "BUURTBEELD_OIDC_UITGEVER": "http://127.0.0.1:9090"}
    assert load_settings(env).oidc is not None
