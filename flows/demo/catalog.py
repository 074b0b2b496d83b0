"""The demo's datasets as collectors declare them: schemas, classifications, column lineage, boundaries."""

from __future__ import annotations

from collectors import Dataset, Field, UseCase

NS_INTAKE = "s3://uscis-benefits-intake"
NS_WAREHOUSE = "postgres://benefits-db:5432"
NS_VENDOR = "sftp://vendor-analytics.example.com"

INTAKE_FILE = Dataset(NS_INTAKE, "incoming/claims.csv", fields=[Field("record", "text")])

RAW_CLAIMS = Dataset(
    NS_WAREHOUSE,
    "benefits.raw.claims",
    fields=[
        Field("claim_id", "text"),
        Field("ssn", "text", ["pii.ssn"]),
        Field("full_name", "text", ["pii.name"]),
        Field("dob", "date", ["pii.dob"]),
        Field("address", "text", ["pii.address"]),
        Field("nationality", "text", ["protected.nationality"]),
        Field("disability", "boolean", ["protected.disability"]),
        Field("income", "integer"),
        Field("household_size", "integer"),
        Field("claim_amount", "integer"),
    ],
)

FEATURES = Dataset(
    NS_WAREHOUSE,
    "benefits.ml.claim_features",
    fields=[
        Field("claim_id", "text"),
        Field("ssn_hash", "text", description="sha256 of the SSN: a join key, not an SSN"),
        Field("age", "integer"),
        Field("disability_flag", "integer"),
        Field("income", "integer"),
        Field("household_size", "integer"),
    ],
    column_lineage={
        "claim_id": [RAW_CLAIMS.column("claim_id", subtype="IDENTITY")],
        "ssn_hash": [RAW_CLAIMS.column("ssn", subtype="TRANSFORMATION", masking=True, description="sha256")],
        "age": [RAW_CLAIMS.column("dob", subtype="TRANSFORMATION", description="years since dob")],
        "disability_flag": [RAW_CLAIMS.column("disability", subtype="TRANSFORMATION")],
        "income": [RAW_CLAIMS.column("income", subtype="IDENTITY")],
        "household_size": [RAW_CLAIMS.column("household_size", subtype="IDENTITY")],
    },
)

SCORES = Dataset(
    NS_WAREHOUSE,
    "benefits.ml.claim_scores",
    fields=[Field("claim_id", "text"), Field("score", "double"), Field("recommendation", "text")],
)

VENDOR_EXTRACT = Dataset(
    NS_VENDOR,
    "outbound/claims_extract.csv",
    fields=[
        Field("claim_id", "text"),
        Field("ssn", "text"),
        Field("full_name", "text"),
        Field("claim_amount", "integer"),
    ],
    external=True,
    column_lineage={
        "claim_id": [RAW_CLAIMS.column("claim_id", subtype="IDENTITY")],
        "ssn": [RAW_CLAIMS.column("ssn", subtype="IDENTITY")],
        "full_name": [RAW_CLAIMS.column("full_name", subtype="IDENTITY")],
        "claim_amount": [RAW_CLAIMS.column("claim_amount", subtype="IDENTITY")],
    },
)

USE_CASE = UseCase(
    "uc-benefits-triage",
    "rights-impacting",
    name="Benefit claim triage",
    component="USCIS",
    purpose="prioritise benefit claims for officer adjudication",
    owner="team:benefits-ai",
)

MODEL = "benefits-triage"
