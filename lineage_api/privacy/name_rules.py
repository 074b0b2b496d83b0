"""Name rules: column names that suggest a classification until a person confirms it.

A rule matches whole words of a column name (split on ``_``, ``-``, ``.``, spaces and camelCase), so ``address``
matches ``home_address`` but not ``ip_address_count`` (an address *count* is not an address), and ``dob`` matches
``dob`` or ``applicant_dob`` but not ``dobson``. Each rule lists the word sequences that mark it and the words
that, when present, mean the column is about something else (counts, flags, hashes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

# Words that turn a sensitive-looking name into a derived, non-identifying one.
NEUTRALIZERS = frozenset(
    {
        "count",
        "cnt",
        "num",
        "hash",
        "hashed",
        "sha",
        "sha256",
        "md5",
        "token",
        "masked",
        "is",
        "has",
        "flag",
        "missing",
        "valid",
        "len",
        "length",
        "ip",
        "mac",
        "url",
        "bucket",
        "band",
        "range",
        "group",
        "track",
    }
)


@dataclass(frozen=True, slots=True)
class NameRule:
    classification: str
    phrases: tuple[tuple[str, ...], ...]
    neutral: frozenset[str] = frozenset()


RULES: tuple[NameRule, ...] = (
    NameRule("pii.ssn", (("ssn",), ("social", "security"), ("social", "security", "number"), ("sin",))),
    NameRule("pii.dob", (("dob",), ("date", "of", "birth"), ("birth", "date"), ("birthdate",), ("birthday",))),
    NameRule("pii.a_number", (("a", "number"), ("anumber",), ("alien", "number"), ("alien", "registration"))),
    NameRule("pii.passport", (("passport",), ("passport", "number"), ("passport", "no"))),
    NameRule("pii.email", (("email",), ("e", "mail"), ("email", "address"))),
    NameRule("pii.phone", (("phone",), ("telephone",), ("mobile",), ("phone", "number"), ("cell", "phone"))),
    NameRule(
        "pii.address",
        (("address",), ("street",), ("street", "address"), ("postal", "code"), ("zip", "code"), ("zipcode",)),
        neutral=frozenset({"ip", "mac", "email", "web"}),
    ),
    NameRule(
        "pii.name",
        (
            ("first", "name"),
            ("last", "name"),
            ("full", "name"),
            ("surname",),
            ("given", "name"),
            ("family", "name"),
            ("applicant", "name"),
        ),
    ),
    NameRule("pii.biometric", (("fingerprint",), ("face", "template"), ("iris",), ("biometric",))),
    NameRule(
        "pii.financial",
        (
            ("bank", "account"),
            ("account", "number"),
            ("routing", "number"),
            ("iban",),
            ("credit", "card"),
            ("card", "number"),
        ),
    ),
    NameRule("protected.race", (("race",), ("racial",))),
    NameRule("protected.ethnicity", (("ethnicity",), ("ethnic",))),
    NameRule("protected.religion", (("religion",), ("religious",), ("faith",))),
    NameRule("protected.gender", (("gender",), ("sex",))),
    NameRule("protected.sexual_orientation", (("sexual", "orientation"),)),
    NameRule("protected.gender_identity", (("gender", "identity"),)),
    NameRule("protected.national_origin", (("national", "origin"), ("country", "of", "birth"), ("birth", "country"))),
    NameRule("protected.nationality", (("nationality",), ("citizenship",))),
    NameRule("protected.age", (("age",),)),
    NameRule("protected.disability", (("disability",), ("disabled",), ("handicap",))),
    NameRule("protected.medical_condition", (("diagnosis",), ("medical", "condition"), ("health", "condition"))),
)

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SPLIT = re.compile(r"[^A-Za-z0-9]+")


def words(name: str) -> list[str]:
    """``homeAddress_line1`` -> ``['home', 'address', 'line1']``."""
    return [w.lower() for w in _SPLIT.split(_CAMEL.sub("_", name)) if w]


def _contains(seq: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(tuple(seq[i : i + n]) == phrase for i in range(len(seq) - n + 1))


@cache
def _suggest(name: str) -> tuple[str, ...]:
    return tuple(_match(name))


def suggest(name: str) -> list[str]:
    """Classifications the column name suggests (sorted); empty when nothing matches."""
    return list(_suggest(name))


def _match(name: str) -> list[str]:
    seq = words(name.rsplit(".", 1)[-1])
    if not seq:
        return []
    found = set()
    for rule in RULES:
        if not any(_contains(seq, phrase) for phrase in rule.phrases):
            continue
        if set(seq) & (NEUTRALIZERS | rule.neutral):
            continue
        found.add(rule.classification)
    if "protected.gender_identity" in found:
        found.discard("protected.gender")
    return sorted(found)
