"""The compliance rules, each tied to the clause of DHS Directive 139-08 it comes from."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RuleInfo:
    id: str
    clause: str
    severity: str
    title: str
    finding_when: str
    directive_text: str


RULES: tuple[RuleInfo, ...] = (
    RuleInfo(
        "SOLE_BASIS",
        "V.A.9.a",
        "high",
        "AI output as the sole basis for enforcement or a benefit denial",
        "a law/civil enforcement action or benefit denial rests on an AI output with no concurring or overriding "
        "human review of that output before the decision, and no other evidence",
        "Relying on outputs of AI as the sole basis for a law enforcement action ..., a civil enforcement action "
        "..., or denial of government benefits [is prohibited].",
    ),
    RuleInfo(
        "NO_HUMAN_REVIEW",
        "V.A.3",
        "high",
        "Significant or rights-/safety-impacting decision without human review",
        "a significant decision, or one in a rights-/safety-impacting use case, rests on AI outputs no person "
        "reviewed before it",
        "DHS requires use of AI to have human oversight when the use is safety-impacting or rights-impacting or "
        "used by DHS for significant or final agency decisions or action.",
    ),
    RuleInfo(
        "NO_APPROVAL",
        "V.B.1, V.A.3",
        "high",
        "Model version without governance approval in force",
        "an output of a rights-/safety-impacting use case came from a model version with no governance_board "
        "approval in force when the output was produced",
        "... an enterprise AI risk management framework which is used to: assess and classify the risk of each AI "
        "use case at DHS early in its life cycle; ... and provide a foundation for advice, oversight, and support "
        "from leadership and governance groups.",
    ),
    RuleInfo(
        "NO_EVALUATION",
        "V.A.6",
        "medium",
        "Model version without a passed evaluation before use",
        "an output of a rights-/safety-impacting use case came from a model version with no passed evaluation "
        "before the output (for rights-impacting uses, no passed bias evaluation)",
        "DHS rigorously tests and evaluates AI during design, development, deployment, and operation. ... Testing "
        "and evaluation throughout the AI's lifecycle confirms that the AI is performing as expected and there is "
        "no improper bias in its outputs.",
    ),
    RuleInfo(
        "PROTECTED_ATTRIBUTE_USE",
        "V.A.9.b",
        "high",
        "Protected attribute used by a model without approval",
        "a training or inference run read a field classified protected.* (directly or by unmasked derivation) "
        "without a protected_attribute_use approval in force",
        "Using data associated with the use of AI at DHS, or deploying AI, to make or support decisions based on "
        "the unlawful or improper consideration of race, ethnicity, gender, national origin, religion, sexual "
        "orientation, gender identity, age, nationality, medical condition, disability, emotional state ... "
        "[is prohibited].",
    ),
    RuleInfo(
        "EXTERNAL_SHARING",
        "V.A.9.e",
        "high",
        "PII or AI outputs shared outside the agency without approval",
        "PII or AI outputs reach a dataset tagged boundary: external without a data_sharing approval in force",
        "Providing DHS data, or outputs from the use of AI at DHS, to third parties for uses of AI that are "
        "prohibited by applicable laws and government-wide and DHS policies [is prohibited].",
    ),
    RuleInfo(
        "PII_WITHOUT_PRIVACY_REVIEW",
        "V.A.7",
        "medium",
        "PII used by an AI use case without privacy approval",
        "a dataset holding PII (declared or propagated) is read by an AI use case's jobs with no privacy approval "
        "in force",
        "Data collection (including acquisition), storage, access, and use (including sharing) related to the use "
        "of AI complies with standards and requirements, including those that: protect privacy, civil rights, and "
        "civil liberties; ... and advance AI output traceability and auditability.",
    ),
)
RULE_BY_ID = {rule.id: rule for rule in RULES}
