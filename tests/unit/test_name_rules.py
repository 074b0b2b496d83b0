"""Name rules suggest classifications from column names, with true and false positives pinned."""

from __future__ import annotations

import pytest

from lineage_api.privacy.name_rules import suggest, words


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ssn", ["pii.ssn"]),
        ("applicant_ssn", ["pii.ssn"]),
        ("social_security_number", ["pii.ssn"]),
        ("SocialSecurityNumber", ["pii.ssn"]),
        ("dob", ["pii.dob"]),
        ("date_of_birth", ["pii.dob"]),
        ("a_number", ["pii.a_number"]),
        ("passport_no", ["pii.passport"]),
        ("email", ["pii.email"]),
        ("email_address", ["pii.email"]),
        ("phone_number", ["pii.phone"]),
        ("home_address", ["pii.address"]),
        ("first_name", ["pii.name"]),
        ("race", ["protected.race"]),
        ("religion", ["protected.religion"]),
        ("nationality", ["protected.nationality"]),
        ("disability_status", ["protected.disability"]),
        ("gender_identity", ["protected.gender_identity"]),
        ("age", ["protected.age"]),
        ("person.dob", ["pii.dob"]),
    ],
)
def test_true_positives(name: str, expected: list[str]) -> None:
    assert suggest(name) == expected


@pytest.mark.parametrize(
    "name",
    [
        "ip_address_count",
        "mac_address",
        "ssn_hash",
        "hashed_ssn",
        "dobson",
        "usage",
        "page",
        "filename",
        "iphone",
        "has_phone",
        "email_count",
        "age_band",
        "passenger",
        "agent_id",
        "claim_id",
        "score",
        "racetrack_id",
        "",
    ],
)
def test_false_positives_are_not_suggested(name: str) -> None:
    assert suggest(name) == []


def test_words_split_snake_camel_and_dots() -> None:
    assert words("homeAddress_line1") == ["home", "address", "line1"]
    assert words("a.b-c d") == ["a", "b", "c", "d"]
