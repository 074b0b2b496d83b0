"""Synthetic claims and the arithmetic of the demo's pipeline (features, a tiny scoring model, a bias test).

Nothing here is real data: claimants are generated from a fixed seed.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass
from datetime import date

NATIONALITIES = ("US", "MX", "IN", "PH", "CN", "VN", "SV", "CU")
FIRST = ("Ana", "Luis", "Mei", "Ravi", "Grace", "Omar", "Lena", "Tom", "Ines", "Yusuf", "Kim", "Rosa")
LAST = ("Garcia", "Nguyen", "Patel", "Smith", "Santos", "Chen", "Cruz", "Khan", "Lopez", "Reyes", "Diaz", "Park")


@dataclass(frozen=True, slots=True)
class Claim:
    claim_id: str
    ssn: str
    full_name: str
    dob: str
    address: str
    nationality: str
    disability: bool
    income: int
    household_size: int
    claim_amount: int


def claims(count: int = 12, seed: int = 132) -> list[Claim]:
    rnd = random.Random(seed)
    out = []
    for i in range(count):
        year = rnd.randint(1945, 2004)
        out.append(
            Claim(
                claim_id=f"C-{1001 + i}",
                ssn=f"{rnd.randint(100, 899):03d}-{rnd.randint(10, 99):02d}-{rnd.randint(1000, 9999):04d}",
                full_name=f"{FIRST[i % len(FIRST)]} {LAST[(i * 7) % len(LAST)]}",
                dob=date(year, rnd.randint(1, 12), rnd.randint(1, 28)).isoformat(),
                address=f"{rnd.randint(10, 999)} Main St, Springfield",
                nationality=rnd.choice(NATIONALITIES),
                disability=rnd.random() < 0.35,
                income=rnd.randint(9_000, 62_000),
                household_size=rnd.randint(1, 6),
                claim_amount=rnd.randint(400, 4_000),
            )
        )
    return out


def features(claim: Claim, today: date) -> dict[str, object]:
    """The feature row: the SSN is hashed (masked), age is derived from the date of birth."""
    born = date.fromisoformat(claim.dob)
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return {
        "claim_id": claim.claim_id,
        "ssn_hash": hashlib.sha256(claim.ssn.encode()).hexdigest(),
        "age": age,
        "disability_flag": int(claim.disability),
        "income": claim.income,
        "household_size": claim.household_size,
    }


def weights(version: str) -> dict[str, float]:
    """v1 leans on the disability flag (and fails the bias test); v2 does not."""
    base = {"bias": 1.2, "income": -0.00006, "household_size": 0.35, "age": -0.01}
    base["disability_flag"] = -1.6 if version == "v1" else 0.05
    return base


def _num(value: object) -> float:
    if isinstance(value, int | float | str):
        return float(value)
    raise TypeError(f"not a number: {value!r}")


def score(row: dict[str, object], w: dict[str, float]) -> float:
    z = w["bias"] + sum(w[k] * _num(row[k]) for k in ("income", "household_size", "age", "disability_flag"))
    return round(1 / (1 + math.exp(-z)), 3)


def disparity(rows: list[dict[str, object]], w: dict[str, float]) -> float:
    """Difference in approval rate (score >= 0.5) between claimants with and without a disability."""
    groups: dict[int, list[float]] = {0: [], 1: []}
    for row in rows:
        groups[int(_num(row["disability_flag"]))].append(1.0 if score(row, w) >= 0.5 else 0.0)
    rates = [sum(g) / len(g) if g else 0.0 for g in (groups[0], groups[1])]
    return round(abs(rates[0] - rates[1]), 3)
