"""The catalogue of rule ids (``spcheck rules`` lists it) with their default severities.

Policies may change a rule's severity but never invent an id: a policy that names
an id not listed here is refused, so reports and runbooks always agree.
"""

from __future__ import annotations

from types import MappingProxyType

from spcheck.domain.findings import Severity

E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO  # noqa: E741

RULE_IDS: MappingProxyType[str, tuple[Severity, str]] = MappingProxyType(
    {
        "deadline.due_soon": (I, "a milestone is due within the warning window"),
        "deadline.overdue": (E, "a milestone's deadline has passed and it is not met"),
        "deadline.met_late": (W, "a milestone was met after its deadline"),
        "pir.missing": (E, "the pre-inspection return has not been uploaded"),
        "pir.format": (E, "the pre-inspection return is not the expected workbook"),
        "sample.missing": (E, "no sample list is loaded after the sample milestone's deadline"),
        "sample.counts": (E, "the sample list's counts differ from the policy's"),
        "records.missing": (E, "a record on the sample list has not been uploaded"),
        "records.unexpected": (E, "a record not on the sample list was uploaded"),
        "records.duplicate": (W, "a record was uploaded more than once"),
        "records.misfiled": (W, "a record is in the wrong folder (sample or reserves)"),
        "records.naming": (W, "a record's name does not follow the naming pattern"),
        "file.type_not_allowed": (E, "a file type the policy does not allow"),
        "file.too_large": (E, "a file larger than the policy allows"),
        "file.empty": (W, "an empty file"),
        "file.macro_enabled": (E, "a macro-enabled file"),
        "file.encrypted": (E, "an encrypted or password-protected file that cannot be checked"),
        "file.unreadable": (E, "a file that could not be read"),
        "content.personal_identifier": (E, "a personal identifier in a document"),
        "content.hidden_data": (E, "hidden data that a redaction may have left behind"),
        "content.bad_redaction": (E, "redaction that hides text without removing it"),
        "content.word_limit": (W, "a position statement over its word limit"),
        "permission.not_nominated": (E, "access for someone who is not a nominated contact"),
        "permission.external_domain": (E, "access for an address outside the allowed domains"),
        "permission.excess_role": (E, "a role above what the policy allows"),
        "permission.anonymous_link": (E, "an anonymous sharing link"),
        "permission.organization_link": (E, "an organization-wide sharing link"),
        "permission.outside_window": (E, "partnership access outside the access window"),
        "permission.missing": (W, "a nominated contact without the access they need"),
        "team.folder_not_allowed": (
            E,
            "a team member has access to a folder their role does not give them",
        ),
        "team.excess_role": (E, "a team member has a higher role than their role allows"),
        "team.outside_window": (E, "a team member has access outside their role's window"),
        "team.missing": (W, "a team member without the access their role gives them now"),
        "retention.overdue": (E, "records kept past their retention date"),
        "check.unverifiable": (E, "something could not be checked"),
    }
)


def default_severity(rule_id: str) -> Severity:
    return RULE_IDS[rule_id][0]
