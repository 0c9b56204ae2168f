"""Errors of sign-in (``BB-AUTH-001..029``).

Privacy rule: no message quotes a password, a token, a secret or a claim value.
"""

from __future__ import annotations

from typing import ClassVar

from buurtbeeld.errors import BuurtbeeldError


class AuthError(BuurtbeeldError, PermissionError):
    """Sign-in refused: wrong password, too many attempts, a form without CSRF token, or an
    answer of the identity provider that does not validate (codes BB-AUTH-001..029)."""

    code = "BB-AUTH-001"
    http_status = 400
    default_hint = "Meld u opnieuw aan."
    # The status of each code: a refused sign-in is a 401, a form without token a 403, too
    # many attempts a 429; the provider's answers are a 400 (a bad request from its side).
    STATUS: ClassVar[dict[str, int]] = {
        "BB-AUTH-001": 401,
        "BB-AUTH-002": 429,
        "BB-AUTH-003": 403,
        "BB-AUTH-011": 403,
        "BB-AUTH-012": 502,
    }

    def __init__(self, message: str, *, hint: str | None = None, code: str | None = None) -> None:
        super().__init__(message, hint=hint, code=code)
        self.http_status = self.STATUS.get(self.code, 400)  # type: ignore[misc]
