"""Validate YAML text against a pydantic model, with Dutch messages that name the line.

Shared by the delivery spec (``spec.py``) and the koppelspec (``link_spec.py``): a user who
makes a typo in either file gets the same kind of answer, ``name, regel N, veld 'x.y': …``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from buurtbeeld.errors import BuurtbeeldError

M = TypeVar("M", bound=BaseModel)

_MESSAGES = {
    "missing": "ontbreekt",
    "extra_forbidden": "onbekend veld (typfout?)",
    "literal_error": "ongeldige keuze",
    "string_type": "moet tekst zijn",
    "int_parsing": "moet een geheel getal zijn",
    "int_type": "moet een geheel getal zijn",
    "bool_parsing": "moet ja/nee (true/false) zijn",
    "date_from_datetime_parsing": "moet een datum zijn (JJJJ-MM-DD)",
    "date_parsing": "moet een datum zijn (JJJJ-MM-DD)",
    "date_type": "moet een datum zijn (JJJJ-MM-DD)",
    "list_type": "moet een lijst zijn",
    "dict_type": "moet een lijst van velden zijn",
    "model_type": "moet een lijst van velden zijn",
    "string_pattern_mismatch": "alleen kleine letters, cijfers en _ (begin met een letter)",
    "too_short": "te kort of leeg",
    "too_long": "te lang",
    "greater_than_equal": "te klein",
    "less_than_equal": "te groot",
    "string_too_short": "mag niet leeg zijn",
    "string_too_long": "te lang",
}


def validate_yaml(
    text: str,
    model: type[M],
    *,
    name: str,
    error: type[BuurtbeeldError],
    invalid: str,
) -> M:
    """``text`` parsed as YAML and validated as ``model``.

    Parameters
    ----------
    name
        The file name shown in messages.
    error
        The error class raised (its code is the file kind's, e.g. ``BB-SPEC-001``).
    invalid
        The first line of the message when fields are wrong, e.g. "De specificatie is ongeldig:".

    Raises
    ------
    error
        Invalid YAML (with the line), not a mapping, or every field problem with its line.
    """
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" (regel {mark.line + 1})" if mark is not None else ""
        raise error(
            f"{name}{where}: geen geldige YAML.",
            hint="Controleer inspringing en dubbele punten; zet tekst met ':' of '#' tussen aanhalingstekens.",
        ) from err
    if not isinstance(data, dict):
        raise error(f"{name}: de specificatie moet een lijst van velden zijn (dataset, bron, …).")
    lines: dict[tuple[Any, ...], int] = {}
    if node is not None:
        _line_index(node, (), lines)
    try:
        return model.model_validate(data)
    except ValidationError as err:
        problems = []
        for item in err.errors():
            loc = tuple(
                p for p in item["loc"] if not (isinstance(p, str) and p.startswith("function-"))
            )
            probe = loc
            while probe and probe not in lines:
                probe = probe[:-1]
            line = lines.get(probe, 1)
            field = ".".join(str(p) for p in loc) or "(hele specificatie)"
            problems.append(f"{name}, regel {line}, veld '{field}': {_message(item)}")
        raise error(invalid + "\n  " + "\n  ".join(problems)) from err


def read_text(path: Path, error: type[BuurtbeeldError]) -> str:
    """The UTF-8 text of a spec file, or ``error`` naming the file (not its content)."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise error(
            f"'{path.name}' is niet te lezen ({type(err).__name__}).",
            hint="Controleer het pad; sla de specificatie op als UTF-8.",
        ) from err


def _line_index(node: yaml.Node, path: tuple[Any, ...], out: dict[tuple[Any, ...], int]) -> None:
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = key.value
            out[(*path, name)] = key.start_mark.line + 1
            _line_index(value, (*path, name), out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _line_index(item, (*path, i), out)


def _message(error: Any) -> str:
    kind = error["type"]
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    text = _MESSAGES.get(kind, str(error["msg"]))
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected")
        if expected:
            text += f" (kies uit {expected})"
    return text
