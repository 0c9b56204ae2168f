"""DuckDB schema of a workspace (see docs/architecture.md, "The cube")."""

from __future__ import annotations

SCHEMA_VERSION = 6

# One row per (indicator_id, region_code, period). Not a PRIMARY KEY: maintaining DuckDB's ART
# index made a national StatLine import 68 s instead of a few (docs/benchmarks.md). Every write
# goes through store.batches.replace_observations, which refuses a batch with a key twice
# (BB-STL-030) and updates stored keys instead of inserting them again.
OBSERVATION = """CREATE TABLE observation (
        indicator_id VARCHAR NOT NULL,
        region_code VARCHAR NOT NULL,
        period VARCHAR NOT NULL,
        division_year INTEGER NOT NULL,
        value DOUBLE,
        status VARCHAR NOT NULL CHECK (status IN ('value', 'hidden', 'provisional')),
        status_note VARCHAR,
        import_id INTEGER NOT NULL,
        CHECK ((status = 'hidden') = (value IS NULL)))"""

STATEMENTS = (
    """CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)""",
    """CREATE TABLE region (
        code VARCHAR NOT NULL,
        division_year INTEGER NOT NULL,
        level VARCHAR NOT NULL,
        name VARCHAR NOT NULL,
        parent_code VARCHAR,
        name_note VARCHAR,
        PRIMARY KEY (code, division_year))""",
    """CREATE TABLE boundary (
        code VARCHAR NOT NULL,
        level VARCHAR NOT NULL,
        boundary_year INTEGER NOT NULL,
        geometry VARCHAR NOT NULL,
        min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
        PRIMARY KEY (code, boundary_year))""",
    """CREATE TABLE import_batch (
        import_id INTEGER PRIMARY KEY,
        dataset VARCHAR NOT NULL,
        source_label VARCHAR NOT NULL,
        file_name VARCHAR NOT NULL,
        file_sha256 VARCHAR NOT NULL,
        imported_at TIMESTAMP NOT NULL,
        periods VARCHAR NOT NULL,
        observations INTEGER NOT NULL,
        report_json VARCHAR NOT NULL,
        UNIQUE (dataset, file_sha256))""",
    """CREATE TABLE IF NOT EXISTS indicator_def (
        id VARCHAR PRIMARY KEY,
        definition_json VARCHAR NOT NULL,
        import_id INTEGER NOT NULL)""",
    OBSERVATION,
    # Stapeling (issue 11): the combination cells of linked packages (store/overlap.py).
    # A cell: the provisions marked 'ja' (`combination`, sorted, '+'-joined), those left
    # open as a total (`unrestricted`), the others 'nee'. Keyed per dataset; the provisions
    # of each import are in stapeling_voorziening.
    """CREATE TABLE IF NOT EXISTS stapeling (
        dataset VARCHAR NOT NULL,
        period VARCHAR NOT NULL,
        region_code VARCHAR NOT NULL,
        unit VARCHAR NOT NULL,
        combination VARCHAR NOT NULL,
        unrestricted VARCHAR NOT NULL,
        division_year INTEGER NOT NULL,
        value DOUBLE,
        status VARCHAR NOT NULL CHECK (status IN ('value', 'hidden')),
        import_id INTEGER NOT NULL,
        PRIMARY KEY (dataset, unit, period, region_code, combination, unrestricted),
        CHECK ((status = 'hidden') = (value IS NULL)))""",
    """CREATE TABLE IF NOT EXISTS stapeling_voorziening (
        import_id INTEGER NOT NULL,
        position INTEGER NOT NULL,
        name VARCHAR NOT NULL,
        title VARCHAR NOT NULL,
        source VARCHAR NOT NULL,
        dataset VARCHAR NOT NULL,
        table_name VARCHAR NOT NULL,
        PRIMARY KEY (import_id, name))""",
    # Group-level risk estimates (issue 15 item 4) of a risk-factor package's `risicofactoren`
    # field, for one outcome over the package's area (`area`: its gemeenten, ','-joined).
    # `kind`: aandeel_uitkomst, prevalentie, rr_ruw, rr_gecorrigeerd, toe_te_schrijven,
    # basisrisico, toe_te_schrijven_alle. A withheld estimate has no value and the codes of the
    # rules it failed (`withheld`, ','-joined); never a count, never anything of a person.
    """CREATE TABLE IF NOT EXISTS risk_estimate (
        dataset VARCHAR NOT NULL,
        area VARCHAR NOT NULL,
        period VARCHAR NOT NULL,
        outcome VARCHAR NOT NULL,
        outcome_title VARCHAR NOT NULL,
        position INTEGER NOT NULL,
        kind VARCHAR NOT NULL,
        factor VARCHAR,
        factor_title VARCHAR,
        value DOUBLE,
        low DOUBLE,
        high DOUBLE,
        smallest_group INTEGER,
        withheld VARCHAR,
        in_model BOOLEAN NOT NULL,
        source VARCHAR NOT NULL,
        division_year INTEGER NOT NULL,
        import_id INTEGER NOT NULL,
        CHECK ((withheld IS NULL) = (value IS NOT NULL)))""",
)


# Statements that bring a workspace of an older schema version up to date, per target version.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    2: tuple(st for st in STATEMENTS if "indicator_def" in st),
    3: tuple(st for st in STATEMENTS if "stapeling" in st),
    # names of buurten and wijken (issue 13); store.workspace then fills them in (refresh_names)
    4: ("ALTER TABLE region ADD COLUMN IF NOT EXISTS name_note VARCHAR",),
    # the observation table without its primary-key index (see OBSERVATION), rows kept in key order
    5: (
        OBSERVATION.replace("TABLE observation", "TABLE observation_v5"),
        "INSERT INTO observation_v5 SELECT * FROM observation "
        "ORDER BY indicator_id, period, region_code",
        "DROP TABLE observation",
        "ALTER TABLE observation_v5 RENAME TO observation",
    ),
    # group-level risk estimates of risk-factor packages (issue 15 item 4)
    6: tuple(st for st in STATEMENTS if "risk_estimate" in st),
}
