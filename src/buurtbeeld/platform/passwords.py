"""Password rules and argon2id hashing (argon2-cffi, RFC 9106 low-memory parameters).

The rule (Dutch, shown to users) follows NIST SP 800-63B: length over composition. A password has
at least 12 characters (at most 256), does not contain the user name, has at least 5 different
characters and is not a commonly used password. There is never a default password.
"""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from buurtbeeld.platform.errors import UserError

MIN_LENGTH = 12
MAX_LENGTH = 256
RULE = (
    f"Een wachtwoord heeft minstens {MIN_LENGTH} en hoogstens {MAX_LENGTH} tekens, bevat de "
    "gebruikersnaam niet, heeft minstens 5 verschillende tekens en is geen veelgebruikt "
    "wachtwoord (ook niet met alleen cijfers of leestekens erbij). Een zin van een paar woorden is sterk en goed te onthouden."
)
# Frequent choices that meet the length rule (lower case; compared case-insensitively).
COMMON = frozenset(
    {
        "123456789012",
        "1234567890123",
        "qwertyuiopas",
        "qwerty123456",
        "wachtwoord123",
        "wachtwoord1234",
        "welkom123456",
        "welkomwelkom",
        "password1234",
        "password12345",
        "passwordpassword",
        "administrator",
        "administrator1",
        "beheerder123",
        "beheerder1234",
        "buurtbeeld123",
        "buurtbeeld2026",
        "buurtbeeld2027",
        "gemeente1234",
        "zomer2026zomer",
        "iloveyou1234",
        "letmein12345",
    }
)

# Words that, with only digits and punctuation added ("Welkom2026!"), make a guessable password.
COMMON_WORDS = frozenset(
    {
        "welkom", "wachtwoord", "password", "passwort", "qwerty", "azerty", "admin",
        "administrator", "beheerder", "beheer", "buurtbeeld", "gemeente", "zomer", "winter",
        "lente", "herfst", "voorjaar", "najaar", "januari", "december", "geheim", "secret",
        "letmein", "iloveyou", "monkey", "dragon", "abc", "abcdef", "test", "gebruiker",
    }
)  # fmt: skip

_hasher = PasswordHasher()  # argon2id, t=3, m=64 MiB, p=4
# A hash of a random string: verified against when the user does not exist, so that an unknown
# name takes as long as a wrong password (no user enumeration by timing).
_DUMMY = _hasher.hash("buurtbeeld-geen-gebruiker-" + "x" * 16)


def check_strength(password: str, user_name: str) -> None:
    """Refuse a weak password with the Dutch rule (:class:`UserError` ``BB-PLT-020``)."""
    lowered = password.lower()
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"het is korter dan {MIN_LENGTH} tekens")
    if len(password) > MAX_LENGTH:
        problems.append(f"het is langer dan {MAX_LENGTH} tekens")
    if user_name and user_name.lower() in lowered:
        problems.append("het bevat de gebruikersnaam")
    if len(set(password)) < 5:
        problems.append("het heeft minder dan 5 verschillende tekens")
    core = re.sub(r"[\W\d_]+", "", lowered)  # letters only
    if lowered in COMMON or core in COMMON or core in COMMON_WORDS:
        problems.append("het is een veelgebruikt wachtwoord")
    if problems:
        raise UserError(
            "Dit wachtwoord is te zwak: " + "; ".join(problems) + ".",
            code="BB-PLT-020",
            hint=RULE,
        )


def hash_password(password: str) -> str:
    """The argon2id hash (salt and parameters included)."""
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored`` (``None``: no local password; still takes the time)."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _hasher.verify(stored or _DUMMY, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """Whether the hash was made with older parameters than today's."""
    return _hasher.check_needs_rehash(stored)
