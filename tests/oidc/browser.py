"""A minimal browser for the sign-in tests: follows redirects between the app and the provider.

The app runs in-process (Starlette's TestClient at http://127.0.0.1:8000); the provider is the
real oidc-provider over HTTP. Each side keeps its own cookies, as a browser does per site.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin

import httpx2
from fastapi.testclient import TestClient

from tests.oidc.conftest import APP


class Browser:
    def __init__(self, app_client: TestClient) -> None:
        self.app = app_client
        self.web = httpx2.Client(timeout=10)
        self.visited: list[str] = []
        self.opened: list[Any] = []  # platform databases a test opened: closed with the browser

    def _send(self, method: str, url: str, data: dict[str, str] | None = None) -> Any:
        self.visited.append(url)
        client: Any = self.app if url.startswith(APP) else self.web
        return client.request(method, url, data=data, follow_redirects=False)

    def go(self, url: str, *, method: str = "GET", data: dict[str, str] | None = None) -> Any:
        """Request ``url`` and follow every redirect (across app and provider)."""
        response = self._send(method, url, data)
        for _ in range(20):
            if response.status_code not in (301, 302, 303, 307, 308):
                return response
            url = urljoin(str(response.url), response.headers["location"])
            response = self._send("GET", url)
        raise AssertionError("te veel doorverwijzingen")

    def submit(self, page: Any, fields: dict[str, str]) -> Any:
        """Post the first form of ``page`` with its hidden fields plus ``fields``."""
        form = re.search(r"<form[^>]*action=\"([^\"]+)\"[^>]*>(.*?)</form>", page.text, re.S)
        assert form, "geen formulier op de pagina"
        hidden = dict(
            re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(2))
        )
        return self.go(urljoin(str(page.url), form.group(1)), method="POST", data=hidden | fields)

    def sign_in(self, login: str) -> Any:
        """The whole round trip: start at the app, sign in and consent at the provider."""
        page = self.go(f"{APP}/inloggen/oidc?volgende=/over")
        assert 'name="login"' in page.text, "geen aanmeldformulier van de provider"
        page = self.submit(page, {"prompt": "login", "login": login, "password": "wat-dan-ook"})
        if 'name="prompt" value="consent"' in page.text:
            page = self.submit(page, {"prompt": "consent"})
        return page

    def close(self) -> None:
        self.web.close()
        for db in self.opened:
            db.close()
