"""CDISC ODM 1.3.2 XML: the study's metadata, its clinical data and the audit trail.

The clinical data reuse the SDTM tabulation (one form and one repeating item group per domain,
an item per variable), so both exports say the same thing. The audit trail is ODM's
``AuditRecords`` collection in ``ClinicalData`` (ODM 1.3.2 section 3.1.3), one record per
entry of the service's hash-chained audit log, with its user and time. Creation time is the
data cut-off, so the same snapshot gives the same file.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from trialdesk.core.reporting.snapshot import StudySnapshot
from trialdesk.exports.sdtm import build_domains
from trialdesk.exports.sdtm_spec import DOMAIN_LABELS, SPEC

__all__ = ["ODM_NS", "build_odm", "write_odm"]

ODM_NS = "http://www.cdisc.org/ns/odm/v1.3"
_KEYS = {"STUDYID", "DOMAIN", "USUBJID"}


def _q(tag: str) -> str:
    return f"{{{ODM_NS}}}{tag}"


def _sub(parent: ET.Element, tag: str, attrs: dict[str, str] | None = None) -> ET.Element:
    return ET.SubElement(parent, _q(tag), attrs or {})


def _translated(parent: ET.Element, tag: str, text: str) -> None:
    ET.SubElement(_sub(parent, tag), _q("TranslatedText"), {"xml:lang": "en"}).text = text


def build_odm(snapshot: StudySnapshot) -> ET.Element:
    ET.register_namespace("", ODM_NS)
    study_oid = f"ST.{snapshot.trial.trial_id}"
    mdv_oid = f"MDV.{snapshot.trial.protocol_version}"
    stamp = f"{snapshot.cutoff.isoformat()}T00:00:00"
    root = ET.Element(_q("ODM"), {
        "FileType": "Snapshot", "FileOID": f"ODM.{snapshot.trial.trial_id}.{snapshot.cutoff}",
        "CreationDateTime": stamp, "ODMVersion": "1.3.2", "Originator": "TrialDesk",
        "Description": f"Data cut-off {snapshot.cutoff.isoformat()}",
    })  # fmt: skip
    frames = build_domains(snapshot)
    _metadata(root, snapshot, study_oid, mdv_oid)
    _admin(root, snapshot)
    clinical = _sub(root, "ClinicalData", {"StudyOID": study_oid, "MetaDataVersionOID": mdv_oid})
    subjects = {s.subject_id: s for s in snapshot.subjects}
    for subject_id in subjects:
        usubjid = f"{snapshot.trial.trial_id}-{subject_id}"
        subject = _sub(clinical, "SubjectData", {"SubjectKey": usubjid})
        _sub(subject, "SiteRef", {"LocationOID": f"LOC.{subjects[subject_id].site}"})
        event = _sub(subject, "StudyEventData", {"StudyEventOID": "SE.STUDY"})
        for domain, frame in frames.items():
            rows = frame[frame["USUBJID"] == usubjid]
            if rows.empty:
                continue
            form = _sub(event, "FormData", {"FormOID": f"F.{domain}"})
            for n, (_, row) in enumerate(rows.iterrows(), start=1):
                group = _sub(form, "ItemGroupData",
                             {"ItemGroupOID": f"IG.{domain}", "ItemGroupRepeatKey": str(n)})  # fmt: skip
                for name, _, kind, _ in SPEC[domain]:
                    value = row[name]
                    if name in _KEYS or value == "" or value != value:  # NaN != NaN
                        continue
                    text = f"{value:g}" if kind == "Num" else str(value)
                    _sub(group, "ItemData", {"ItemOID": f"IT.{domain}.{name}", "Value": text})
    records = _sub(clinical, "AuditRecords")
    for entry in snapshot.audit:
        record = _sub(records, "AuditRecord", {"ID": f"AR.{entry.seq}"})
        _sub(record, "UserRef", {"UserOID": f"USR.{entry.actor}"})
        _sub(record, "LocationRef", {"LocationOID": "LOC.SYSTEM"})
        _sub(record, "DateTimeStamp").text = entry.at.isoformat()
        if entry.reason:
            _sub(record, "ReasonForChange").text = entry.reason
        _sub(record, "SourceID").text = f"{entry.action} {entry.entity} {entry.entity_id}"
    ET.indent(root)
    return root


def _metadata(root: ET.Element, snapshot: StudySnapshot, study_oid: str, mdv_oid: str) -> None:
    study = _sub(root, "Study", {"OID": study_oid})
    glob = _sub(study, "GlobalVariables")
    _sub(glob, "StudyName").text = snapshot.trial.trial_id
    _sub(glob, "StudyDescription").text = snapshot.trial.title
    _sub(glob, "ProtocolName").text = snapshot.trial.trial_id
    mdv = _sub(study, "MetaDataVersion",
               {"OID": mdv_oid, "Name": f"Protocol {snapshot.trial.protocol_version}"})  # fmt: skip
    protocol = _sub(mdv, "Protocol")
    _sub(protocol, "StudyEventRef", {"StudyEventOID": "SE.STUDY", "OrderNumber": "1",
                                     "Mandatory": "Yes"})  # fmt: skip
    event = _sub(mdv, "StudyEventDef",
                 {"OID": "SE.STUDY", "Name": "Study", "Repeating": "No", "Type": "Common"})  # fmt: skip
    for n, domain in enumerate(SPEC, start=1):
        _sub(event, "FormRef", {"FormOID": f"F.{domain}", "OrderNumber": str(n),
                                "Mandatory": "No"})  # fmt: skip
    for domain in SPEC:
        form = _sub(mdv, "FormDef",
                    {"OID": f"F.{domain}", "Name": DOMAIN_LABELS[domain], "Repeating": "No"})  # fmt: skip
        _sub(form, "ItemGroupRef", {"ItemGroupOID": f"IG.{domain}", "Mandatory": "Yes"})
    for domain, variables in SPEC.items():
        group = _sub(mdv, "ItemGroupDef", {"OID": f"IG.{domain}", "Name": DOMAIN_LABELS[domain],
                                           "Repeating": "Yes", "Domain": domain})  # fmt: skip
        for n, (name, _, _, core) in enumerate(variables, start=1):
            if name not in _KEYS:
                _sub(group, "ItemRef", {"ItemOID": f"IT.{domain}.{name}", "OrderNumber": str(n),
                                        "Mandatory": "Yes" if core == "Req" else "No"})  # fmt: skip
    for domain, variables in SPEC.items():
        for name, label, kind, _ in variables:
            if name in _KEYS:
                continue
            item = _sub(mdv, "ItemDef", {"OID": f"IT.{domain}.{name}", "Name": name,
                                         "DataType": "float" if kind == "Num" else "text",
                                         "SASFieldName": name})  # fmt: skip
            _translated(item, "Question", label)


def _admin(root: ET.Element, snapshot: StudySnapshot) -> None:
    admin = _sub(root, "AdminData")
    for actor in sorted({entry.actor for entry in snapshot.audit}):
        user = _sub(admin, "User", {"OID": f"USR.{actor}"})
        _sub(user, "LoginName").text = actor
    mdv_oid = f"MDV.{snapshot.trial.protocol_version}"
    for site in [*sorted({s.site for s in snapshot.subjects}), "SYSTEM"]:
        location = _sub(admin, "Location", {"OID": f"LOC.{site}", "Name": site, "LocationType": "Site" if site != "SYSTEM" else "Other"})  # fmt: skip
        _sub(location, "MetaDataVersionRef", {"StudyOID": f"ST.{snapshot.trial.trial_id}",
                                              "MetaDataVersionOID": mdv_oid,
                                              "EffectiveDate": snapshot.cutoff.isoformat()})  # fmt: skip


def write_odm(snapshot: StudySnapshot, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(build_odm(snapshot)).write(path, encoding="UTF-8", xml_declaration=True)
    return path
