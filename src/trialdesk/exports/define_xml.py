"""define.xml (CDISC Define-XML 2.0) describing the exported SDTM datasets.

Datasets, variables (name, label, type, length, mandatory) and the files they live in. The
creation time is the data cut-off, so the same snapshot gives the same file.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd

from trialdesk.core.reporting.snapshot import StudySnapshot
from trialdesk.exports.sdtm_spec import DOMAIN_LABELS, SPEC

__all__ = ["COMMENTS", "DEF_NS", "ODM_NS", "write_define_xml"]

ODM_NS = "http://www.cdisc.org/ns/odm/v1.3"
DEF_NS = "http://www.cdisc.org/ns/def/v2.0"
XLINK_NS = "http://www.w3.org/1999/xlink"
_CLASS = {
    "DM": "SPECIAL PURPOSE",
    "IE": "FINDINGS",
    "DS": "EVENTS",
    "EX": "INTERVENTIONS",
    "AE": "EVENTS",
    "LB": "FINDINGS",
    "VS": "FINDINGS",
    "TU": "FINDINGS",
    "TR": "FINDINGS",
    "RS": "FINDINGS",
}


# How a variable's values were derived, where the reviewer cannot tell from the data alone.
COMMENTS: dict[tuple[str, str], str] = {
    ("DM", "SEX"): (
        "From the subject's recorded sex (FHIR administrative gender), entered by staff or "
        "taken from a screened record's Patient.gender: female = F, male = M; other, unknown "
        "and not recorded = U (SDTM CT C66731 has no code for other; UNDIFFERENTIATED is a "
        "different concept and is not used)."
    ),
}


def _text(parent: ET.Element, tag: str, text: str) -> None:
    ET.SubElement(ET.SubElement(parent, tag), "TranslatedText", {"xml:lang": "en"}).text = text


def write_define_xml(snapshot: StudySnapshot, frames: dict[str, pd.DataFrame], path: Path) -> Path:
    ET.register_namespace("", ODM_NS)
    ET.register_namespace("def", DEF_NS)
    ET.register_namespace("xlink", XLINK_NS)
    q = f"{{{ODM_NS}}}"
    study_id = snapshot.trial.trial_id
    root = ET.Element(f"{q}ODM", {
        "FileType": "Snapshot", "FileOID": f"DEFINE.{study_id}", "ODMVersion": "1.3.2",
        "CreationDateTime": f"{snapshot.cutoff.isoformat()}T00:00:00",
        "Originator": "TrialDesk", f"{{{DEF_NS}}}Context": "Submission",
    })  # fmt: skip
    study = ET.SubElement(root, f"{q}Study", {"OID": f"STUDY.{study_id}"})
    glob = ET.SubElement(study, f"{q}GlobalVariables")
    ET.SubElement(glob, f"{q}StudyName").text = study_id
    ET.SubElement(glob, f"{q}StudyDescription").text = snapshot.trial.title
    ET.SubElement(glob, f"{q}ProtocolName").text = study_id
    mdv = ET.SubElement(study, f"{q}MetaDataVersion", {
        "OID": f"MDV.{study_id}.SDTMIG.3.3", "Name": "SDTM-IG 3.3",
        f"{{{DEF_NS}}}DefineVersion": "2.0.0", f"{{{DEF_NS}}}StandardName": "SDTM-IG",
        f"{{{DEF_NS}}}StandardVersion": "3.3",
    })  # fmt: skip
    items = []
    for domain, frame in frames.items():
        group = ET.SubElement(mdv, f"{q}ItemGroupDef", {
            "OID": f"IG.{domain}", "Name": domain, "Domain": domain, "Repeating":
            "No" if domain == "DM" else "Yes", "SASDatasetName": domain, "Purpose": "Tabulation",
            f"{{{DEF_NS}}}Class": _CLASS[domain], f"{{{DEF_NS}}}Structure":
            "One record per subject" if domain == "DM" else "One record per subject per event",
            f"{{{DEF_NS}}}ArchiveLocationID": f"LF.{domain}",
        })  # fmt: skip
        _text(group, f"{q}Description", DOMAIN_LABELS[domain])
        for order, (name, label, kind, core) in enumerate(SPEC[domain], start=1):
            ET.SubElement(group, f"{q}ItemRef", {
                "ItemOID": f"IT.{domain}.{name}", "OrderNumber": str(order),
                "Mandatory": "Yes" if core == "Req" else "No",
            })  # fmt: skip
            longest = 0 if frame.empty or kind == "Num" else int(frame[name].str.len().max())
            width = 8 if kind == "Num" else max(1, longest)  # an empty dataset still has width 1
            items.append((domain, name, label, kind, width))
        leaf = ET.SubElement(group, f"{{{DEF_NS}}}leaf", {
            "ID": f"LF.{domain}", f"{{{XLINK_NS}}}href": f"{domain.lower()}.xpt",
        })  # fmt: skip
        ET.SubElement(leaf, f"{{{DEF_NS}}}title").text = f"{domain.lower()}.xpt"
    for domain, name, label, kind, width in items:
        comment = COMMENTS.get((domain, name))
        item = ET.SubElement(mdv, f"{q}ItemDef", {
            "OID": f"IT.{domain}.{name}", "Name": name, "SASFieldName": name,
            "DataType": "float" if kind == "Num" else "text", "Length": str(width),
            **({f"{{{DEF_NS}}}CommentOID": f"COM.{domain}.{name}"} if comment else {}),
        })  # fmt: skip
        _text(item, f"{q}Description", label)
    # Define-XML orders CommentDefs after the ItemDefs (and before any leaf documents).
    for domain, name, _label, _kind, _width in items:
        comment = COMMENTS.get((domain, name))
        if comment:
            _text(
                ET.SubElement(mdv, f"{{{DEF_NS}}}CommentDef", {"OID": f"COM.{domain}.{name}"}),
                f"{q}Description",
                comment,
            )
    ET.indent(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="UTF-8", xml_declaration=True)
    return path
