"""Visibility rules and the act of publishing, on SQLite and PostgreSQL (issue 12 item 3)."""

from __future__ import annotations

import json

import pytest

from buurtbeeld.platform.audit import AuditLog, Event
from buurtbeeld.platform.db import open_platform
from buurtbeeld.platform.visibility import (
    INDICATOR,
    SOURCE,
    SourceInfo,
    Subject,
    Universe,
    VisibilityError,
    VisibilityStore,
)

# A small world: open data (public by default), a partner (internal by default), and derived
# indicators of each and of both.
UNIVERSE = Universe(
    sources=(
        SourceInfo("kwb", "CBS KWB", True),
        SourceInfo("pakket:schuldhulp", "Schuldhulp", False),
        SourceInfo("stapeling:stapeling", "Stapeling", False),
    ),
    indicators=(
        Subject("inwoners", "kwb"),
        Subject("bijstand", "kwb"),
        Subject("bijstand_per_1000", None, ("bijstand", "inwoners")),
        Subject("p_schulden", "pakket:schuldhulp"),
        Subject("p_schulden_per_1000", None, ("p_schulden", "inwoners")),
        Subject("p_per_1000_afgeleid", None, ("p_schulden_per_1000", "inwoners")),
    ),
)
REASON = "Afgestemd met de ketenpartner op 1 december."


def test_defaults_open_data_public_partners_internal() -> None:
    public = UNIVERSE.public_indicators({})
    assert public == {"inwoners", "bijstand", "bijstand_per_1000"}
    assert UNIVERSE.public_sources({}) == {"kwb"}


def test_a_source_decision_applies_to_its_indicators_and_their_derivations() -> None:
    decided = {(SOURCE, "pakket:schuldhulp"): True}
    assert UNIVERSE.public_indicators(decided) >= {
        "p_schulden",
        "p_schulden_per_1000",
        "p_per_1000_afgeleid",
    }
    # an indicator's own decision wins over its source's
    decided[(INDICATOR, "p_schulden")] = False
    public = UNIVERSE.public_indicators(decided)
    assert "p_schulden" not in public
    assert "p_schulden_per_1000" not in public  # an input is internal
    assert "p_per_1000_afgeleid" not in public  # and so, transitively


def test_withdrawing_an_open_input_makes_derived_indicators_internal() -> None:
    public = UNIVERSE.public_indicators({(INDICATOR, "inwoners"): False})
    assert public == {"bijstand"}


def test_a_derived_indicator_can_be_withdrawn_on_its_own() -> None:
    public = UNIVERSE.public_indicators({(INDICATOR, "bijstand_per_1000"): False})
    assert public == {"inwoners", "bijstand"}


def _events(db_url: str) -> list[dict[str, object]]:
    with open_platform(None, url=db_url) as db:
        return [
            {"event": e.event, "actor": e.actor, **json.loads(e.details)}
            for e in AuditLog(db).entries()
        ]


def test_publish_and_withdraw_are_audited_acts(platform_url: str) -> None:
    with open_platform(None, url=platform_url) as db:
        store = VisibilityStore(db)
        before, after = store.change(
            UNIVERSE, SOURCE, "pakket:schuldhulp", public=True, reason=REASON, actor="beheer-1"
        )
        assert (before, after) == (False, True)
        assert store.decisions() == {(SOURCE, "pakket:schuldhulp"): True}
        store.change(
            UNIVERSE,
            INDICATOR,
            "p_schulden",
            public=False,
            reason="Nog niet door de privacyfunctionaris gezien.",
            actor="beheer-2",
        )
        public = UNIVERSE.public_indicators(store.decisions())
        assert "p_schulden" not in public and "p_schulden_per_1000" not in public
        history = store.history()
        assert [d.subject for d in history] == ["p_schulden", "pakket:schuldhulp"]
        assert history[0].reason == "Nog niet door de privacyfunctionaris gezien."
        assert AuditLog(db).verify()[0] == 2
    first, second = _events(platform_url)
    assert first["event"] == Event.PUBLICATION.value
    assert first["actor"] == "beheer-1"
    assert (first["soort"], first["onderwerp"], first["reden"]) == (
        SOURCE,
        "pakket:schuldhulp",
        REASON,
    )
    assert (first["voor"], first["na"]) == ("intern", "openbaar")
    assert first["indicatoren"] == ["p_per_1000_afgeleid", "p_schulden", "p_schulden_per_1000"]
    assert second["event"] == Event.WITHDRAWAL.value
    assert (second["voor"], second["na"]) == ("openbaar", "intern")


@pytest.mark.parametrize(
    ("kind", "subject", "public", "reason", "code"),
    [
        ("bron", "pakket:schuldhulp", True, "", "BB-PUB-005"),
        ("bron", "pakket:schuldhulp", True, "ok", "BB-PUB-005"),
        ("soort", "kwb", True, REASON, "BB-PUB-002"),
        ("bron", "pakket:bestaat_niet", True, REASON, "BB-PUB-003"),
        ("indicator", "bestaat_niet", True, REASON, "BB-PUB-004"),
        ("bron", "kwb", True, REASON, "BB-PUB-006"),  # already public: nothing to do
        ("indicator", "p_schulden_per_1000", True, REASON, "BB-PUB-007"),  # input internal
    ],
)
def test_refused_acts_change_nothing_and_record_nothing(
    platform_url: str, kind: str, subject: str, public: bool, reason: str, code: str
) -> None:
    with open_platform(None, url=platform_url) as db:
        store = VisibilityStore(db)
        with pytest.raises(VisibilityError) as caught:
            store.change(UNIVERSE, kind, subject, public=public, reason=reason, actor="b")
        assert caught.value.code == code
        assert store.decisions() == {}
        assert AuditLog(db).count() == 0
