"""The subject's recorded sex reaches the snapshot and every export built from it: SDTM DM.SEX
(F / M; U for other, unknown and not recorded, explained by a define.xml comment) and the FHIR
Patient.gender (the recorded value itself, "other" included); the DSMB report no longer lists sex as data not stored."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pyreadstat

from service.study_helpers import TRIAL
from trialdesk.exports.define_xml import DEF_NS, ODM_NS
from trialdesk.exports.fhir_bundle import build_bundle
from trialdesk.exports.sdtm import write_sdtm
from trialdesk.reports.snapshot_from_db import snapshot_from_database
from trialdesk.service.access import SYSTEM_ACTOR
from trialdesk.service.storage.database import Database
from trialdesk.service.subjects import register_subject
from trialdesk.service.trials import ensure_trial

SEXES = ("female", "male", "other", "unknown", None)


def _study(database: Database) -> dict[str, str | None]:
    """Subject code → recorded sex, one subject per value."""
    codes = {}
    with database.transaction() as session:
        ensure_trial(session, SYSTEM_ACTOR, TRIAL)
        for sex in SEXES:
            row = register_subject(
                session, SYSTEM_ACTOR, trial_id=TRIAL.nct_id, site="main", source="staff", sex=sex
            )
            codes[row.code] = sex
    return codes


def test_dm_sex_and_fhir_gender_come_from_the_recorded_sex(
    database: Database, tmp_path: Path
) -> None:
    codes = _study(database)
    snapshot = snapshot_from_database(database, datetime.now(UTC).date())
    expected = {"female": "F", "male": "M", "other": "U", "unknown": "U", None: "U"}
    assert {s.subject_id: s.sex for s in snapshot.subjects} == {
        code: expected[sex] for code, sex in codes.items()
    }
    assert "not stored" not in snapshot.data_available["subjects"].note

    write_sdtm(snapshot, tmp_path)
    dm, _meta = pyreadstat.read_xport(str(tmp_path / "dm.xpt"))
    assert dict(zip(dm["SUBJID"], dm["SEX"], strict=True)) == {
        code: expected[sex] for code, sex in codes.items()
    }

    root = ET.parse(tmp_path / "define.xml").getroot()
    ns = {"odm": ODM_NS, "def": DEF_NS}
    [item] = [i for i in root.findall(".//odm:ItemDef", ns) if i.get("OID") == "IT.DM.SEX"]
    oid = item.get(f"{{{DEF_NS}}}CommentOID")
    [comment] = [c for c in root.findall(".//def:CommentDef", ns) if c.get("OID") == oid]
    text = "".join(comment.itertext())
    assert "female = F" in text
    assert "other" in text

    bundle = build_bundle(snapshot)
    genders = {
        e["resource"]["identifier"][0]["value"]: e["resource"]["gender"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Patient"
    }
    # FHIR keeps what was recorded ("other" stays "other"); never recorded: "unknown".
    assert genders == {code: sex or "unknown" for code, sex in codes.items()}
