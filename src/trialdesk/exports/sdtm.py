"""CDISC SDTM datasets from a study snapshot: DM, IE, DS, EX, AE, LB, VS, TU, TR, RS.

Each domain is a pandas DataFrame whose columns follow :mod:`trialdesk.exports.sdtm_spec`,
written as SAS transport v5 (``pyreadstat.write_xport(file_format_version=5)``) and CSV,
with a define.xml describing them. Dates are ISO 8601 (YYYY-MM-DD). ``--SEQ`` numbers the
records of one subject within a domain, from 1.

Mappings that are choices (docs/reports.md lists them): AETOXGR is the CTCAE v5.0 grade as
text; AEREL is the strongest attribution to any study intervention; the DLT flag has no
standard SDTM variable and is not exported (it is in the DSMB report).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from trialdesk.core.protocol.treatment import ATTRIBUTION_ORDER
from trialdesk.core.reporting.snapshot import DECEASED_REASON, StudySnapshot, SubjectFact
from trialdesk.exports.define_xml import write_define_xml
from trialdesk.exports.sdtm_spec import DOMAIN_LABELS, SPEC

__all__ = ["DOMAINS", "build_domains", "write_sdtm"]

Row = dict[str, Any]
ARM_CODE, ARM = "NKGD2CT", "Autologous NK cells + anti-GD2 antibody + chemotherapy"
MAX_CHAR = 200  # SAS transport v5 limit for a character value


def _iso(value: date | None) -> str:
    return "" if value is None else value.isoformat()


def _usubjid(snapshot: StudySnapshot, subject_id: str) -> str:
    return f"{snapshot.trial.trial_id}-{subject_id}"


def _base(snapshot: StudySnapshot, domain: str, subject_id: str) -> Row:
    return {
        "STUDYID": snapshot.trial.trial_id,
        "DOMAIN": domain,
        "USUBJID": _usubjid(snapshot, subject_id),
    }


def _age(subject: SubjectFact, on: date | None) -> float | None:
    if subject.birth_date is None or on is None:
        return None
    born = subject.birth_date
    return float(on.year - born.year - ((on.month, on.day) < (born.month, born.day)))


def _dm(snapshot: StudySnapshot) -> list[Row]:
    first: dict[str, date] = {}
    last: dict[str, date] = {}
    for e in snapshot.exposures:
        first[e.subject_id] = min(first.get(e.subject_id, e.start), e.start)
        last[e.subject_id] = max(last.get(e.subject_id, e.end or e.start), e.end or e.start)
    consent = {}
    for c in sorted(snapshot.consents, key=lambda c: c.consent_date, reverse=True):
        consent[c.subject_id] = c.consent_date  # the earliest one wins
    rows = []
    for s in snapshot.subjects:
        enrolled = s.enrolled_on is not None and s.enrolled_on <= snapshot.cutoff
        if enrolled:
            arm = (ARM_CODE, ARM)
            actual = arm if s.subject_id in first else ("NOTTRT", "Not Treated")
        elif s.status == "ineligible":
            arm = actual = ("SCRNFAIL", "Screen Failure")
        else:
            arm = actual = ("NOTASSGN", "Not Assigned")
        death = s.death_date if s.death_date and s.death_date <= snapshot.cutoff else None
        rows.append(
            {
                **_base(snapshot, "DM", s.subject_id),
                "SUBJID": s.subject_id,
                "RFSTDTC": _iso(first.get(s.subject_id)),
                "RFENDTC": _iso(last.get(s.subject_id)),
                "RFXSTDTC": _iso(first.get(s.subject_id)),
                "RFICDTC": _iso(consent.get(s.subject_id)),
                "DTHDTC": _iso(death),
                "DTHFL": "Y" if death else "",
                "SITEID": s.site,
                "BRTHDTC": _iso(s.birth_date),
                "AGE": _age(
                    s, first.get(s.subject_id) or consent.get(s.subject_id) or s.screened_on
                ),
                "AGEU": "YEARS" if s.birth_date else "",
                "SEX": s.sex,
                "ARMCD": arm[0],
                "ARM": arm[1],
                "ACTARMCD": actual[0],
                "ACTARM": actual[1],
                "COUNTRY": "CHN",
            }
        )
    return rows


def _ie(snapshot: StudySnapshot) -> list[Row]:
    codes: dict[str, str] = {}
    rows = []
    for s in snapshot.subjects:
        for reason in s.screen_fail_reasons:
            if reason == DECEASED_REASON:
                continue  # IE lists criteria only; the screen failure itself is in DS
            exclusion = reason.lower().startswith("exclusion")
            if reason not in codes:
                prefix = "EX" if exclusion else "IN"
                codes[reason] = (
                    f"{prefix}{sum(c.startswith(prefix) for c in codes.values()) + 1:02d}"
                )
            rows.append(
                {
                    **_base(snapshot, "IE", s.subject_id),
                    "IETESTCD": codes[reason],
                    "IETEST": reason[:MAX_CHAR],
                    "IECAT": "EXCLUSION" if exclusion else "INCLUSION",
                    "IEORRES": "Y" if exclusion else "N",
                    "IESTRESC": "Y" if exclusion else "N",
                    "IEDTC": _iso(s.screened_on),
                }
            )
    return rows


def _ds(snapshot: StudySnapshot) -> list[Row]:
    rows = []
    for c in snapshot.consents:
        rows.append({**_base(snapshot, "DS", c.subject_id), "DSTERM": "INFORMED CONSENT OBTAINED",
                     "DSDECOD": "INFORMED CONSENT OBTAINED", "DSCAT": "PROTOCOL MILESTONE",
                     "DSSTDTC": _iso(c.consent_date)})  # fmt: skip
    for s in snapshot.subjects:
        if s.status == "ineligible":
            rows.append({**_base(snapshot, "DS", s.subject_id), "DSTERM": "SCREEN FAILURE",
                         "DSDECOD": "SCREEN FAILURE", "DSCAT": "DISPOSITION EVENT",
                         "DSSTDTC": _iso(s.screened_on)})  # fmt: skip
        if s.ended_on and s.ended_on <= snapshot.cutoff:
            term = (s.end_reason or "UNKNOWN").upper()
            decod = "WITHDRAWAL BY PARENT/GUARDIAN" if "WITHDRAW" in term else term
            rows.append({**_base(snapshot, "DS", s.subject_id), "DSTERM": term[:MAX_CHAR],
                         "DSDECOD": decod[:MAX_CHAR], "DSCAT": "DISPOSITION EVENT",
                         "DSSTDTC": _iso(s.ended_on)})  # fmt: skip
        if s.death_date and s.death_date <= snapshot.cutoff:
            rows.append({**_base(snapshot, "DS", s.subject_id), "DSTERM": "DEATH",
                         "DSDECOD": "DEATH", "DSCAT": "DISPOSITION EVENT",
                         "DSSTDTC": _iso(s.death_date)})  # fmt: skip
    return rows


def _ex(snapshot: StudySnapshot) -> list[Row]:
    return [
        {**_base(snapshot, "EX", e.subject_id), "EXTRT": e.product.upper(),
         "EXDOSE": float(e.dose), "EXDOSU": e.unit, "EXROUTE": {"IV": "INTRAVENOUS",
         "PO": "ORAL"}.get(e.route or "", e.route or ""), "EXSTDTC": _iso(e.start),
         "EXENDTC": _iso(e.end), "VISIT": f"CYCLE {e.cycle}" if e.cycle else ""}
        for e in snapshot.exposures
        if e.start <= snapshot.cutoff
    ]  # fmt: skip


def _relatedness(attribution: dict[str, str]) -> str:
    if not attribution:
        return ""
    return max(attribution.values(), key=ATTRIBUTION_ORDER.index).upper()


def _ae(snapshot: StudySnapshot) -> list[Row]:
    return [
        {**_base(snapshot, "AE", a.subject_id), "AETERM": a.term, "AEDECOD": a.term,
         "AEBODSYS": a.soc or "", "AETOXGR": str(a.grade), "AESER": "Y" if a.serious else "N",
         "AEREL": _relatedness(a.attribution), "AEACN": (a.action or "").upper().replace("_", " "),
         "AEOUT": (a.outcome or "").upper().replace("_", " "), "AESTDTC": _iso(a.onset),
         "AEENDTC": _iso(a.resolved)}
        for a in snapshot.adverse_events
        if a.onset <= snapshot.cutoff
    ]  # fmt: skip


def _lb(snapshot: StudySnapshot) -> list[Row]:
    return [
        {**_base(snapshot, "LB", lab.subject_id), "LBTESTCD": lab.test_code,
         "LBTEST": lab.test_name, "LBORRES": str(lab.value), "LBORRESU": lab.unit,
         "LBORNRLO": "" if lab.low is None else str(lab.low),
         "LBORNRHI": "" if lab.high is None else str(lab.high), "LBSTRESC": str(lab.value),
         "LBSTRESN": float(lab.value), "LBSTRESU": lab.unit,
         "LBTOXGR": "" if lab.ctcae_grade is None else str(lab.ctcae_grade),
         "LBBLFL": "Y" if lab.baseline else "", "LBDTC": _iso(lab.on)}
        for lab in snapshot.labs
        if lab.on <= snapshot.cutoff
    ]  # fmt: skip


def _vs(snapshot: StudySnapshot) -> list[Row]:
    units = {"Cel": "C"}  # SDTM controlled terminology spells Celsius "C"
    return [
        {**_base(snapshot, "VS", v.subject_id), "VSTESTCD": v.test_code, "VSTEST": v.test_name,
         "VSORRES": str(v.value), "VSORRESU": units.get(v.unit, v.unit), "VSSTRESC": str(v.value),
         "VSSTRESN": float(v.value), "VSSTRESU": units.get(v.unit, v.unit), "VSDTC": _iso(v.on)}
        for v in snapshot.vital_signs
        if v.on <= snapshot.cutoff
    ]  # fmt: skip


def _tu(snapshot: StudySnapshot) -> list[Row]:
    first: dict[tuple[str, str], Any] = {}
    for lesion in sorted(snapshot.lesions, key=lambda x: x.on):
        first.setdefault((lesion.subject_id, lesion.lesion_id), lesion)
    return [
        {**_base(snapshot, "TU", lesion.subject_id), "TULNKID": lesion.lesion_id,
         "TUTESTCD": "TUMIDENT", "TUTEST": "Tumor Identification",
         "TUORRES": "TARGET" if lesion.target else "NON-TARGET",
         "TUSTRESC": "TARGET" if lesion.target else "NON-TARGET", "TULOC": lesion.location,
         "TUDTC": _iso(lesion.on), "VISIT": lesion.visit}
        for lesion in first.values()
        if lesion.on <= snapshot.cutoff
    ]  # fmt: skip


def _tr(snapshot: StudySnapshot) -> list[Row]:
    return [
        {**_base(snapshot, "TR", lesion.subject_id), "TRLNKID": lesion.lesion_id,
         "TRTESTCD": "LDIAM", "TRTEST": "Longest Diameter", "TRORRES": str(lesion.diameter_mm),
         "TRORRESU": "mm", "TRSTRESC": str(lesion.diameter_mm),
         "TRSTRESN": float(lesion.diameter_mm), "TRSTRESU": "mm", "TRDTC": _iso(lesion.on),
         "VISIT": lesion.visit}
        for lesion in snapshot.lesions
        if lesion.target and lesion.diameter_mm is not None and lesion.on <= snapshot.cutoff
    ]  # fmt: skip


def _rs(snapshot: StudySnapshot) -> list[Row]:
    rows: list[Row] = [
        {**_base(snapshot, "RS", r.subject_id), "RSTESTCD": "OVRLRESP",
         "RSTEST": "Overall Response", "RSCAT": r.criteria, "RSORRES": r.response,
         "RSSTRESC": r.response, "RSDTC": _iso(r.on), "VISIT": r.visit}
        for r in snapshot.responses
        if r.on <= snapshot.cutoff
    ]  # fmt: skip
    for s in snapshot.survival:
        rows.append({**_base(snapshot, "RS", s.subject_id), "RSTESTCD": "BESTRSP",
                     "RSTEST": "Best Overall Response",
                     "RSCAT": snapshot.trial.primary_response_criteria,
                     "RSORRES": s.best_response, "RSSTRESC": s.best_response,
                     "RSDTC": _iso(snapshot.cutoff), "VISIT": ""})  # fmt: skip
    return rows


DOMAINS: dict[str, Callable[[StudySnapshot], list[Row]]] = {
    "DM": _dm,
    "IE": _ie,
    "DS": _ds,
    "EX": _ex,
    "AE": _ae,
    "LB": _lb,
    "VS": _vs,
    "TU": _tu,
    "TR": _tr,
    "RS": _rs,
}


def _frame(domain: str, rows: list[Row]) -> pd.DataFrame:
    columns = [name for name, _, _, _ in SPEC[domain]]
    seq = f"{domain}SEQ"
    if seq in columns:
        counters: dict[str, int] = defaultdict(int)
        for row in sorted(rows, key=lambda r: (r["USUBJID"], _sort_key(domain, r))):
            counters[row["USUBJID"]] += 1
            row[seq] = float(counters[row["USUBJID"]])
        rows = sorted(rows, key=lambda r: (r["USUBJID"], r[seq]))
    frame = pd.DataFrame(rows, columns=columns)
    for name, _, kind, _ in SPEC[domain]:
        if kind == "Num":
            frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
        else:
            frame[name] = frame[name].fillna("").astype(str).str.slice(0, MAX_CHAR)
    return frame


def _sort_key(domain: str, row: Row) -> tuple[str, ...]:
    # Records in time order within a subject; the test code breaks ties deterministically.
    date_var = next((k for k in row if k.endswith("DTC") and k.startswith(domain)), "")
    test = next((k for k in row if k.endswith("TESTCD") or k in ("AETERM", "EXTRT", "DSDECOD")), "")
    extra = next((k for k in row if k.endswith("LNKID")), "")
    return (str(row.get(date_var, "")), str(row.get(test, "")), str(row.get(extra, "")))


def build_domains(snapshot: StudySnapshot) -> dict[str, pd.DataFrame]:
    return {domain: _frame(domain, build(snapshot)) for domain, build in DOMAINS.items()}


def write_sdtm(snapshot: StudySnapshot, out: Path) -> list[Path]:
    """Write <domain>.xpt (SAS transport v5) and <domain>.csv for every domain, and define.xml."""
    import pyreadstat

    out.mkdir(parents=True, exist_ok=True)
    frames = build_domains(snapshot)
    written = []
    for domain, frame in frames.items():
        labels: list[str | None] = [label for _, label, _, _ in SPEC[domain]]
        xpt = out / f"{domain.lower()}.xpt"
        pyreadstat.write_xport(
            frame,
            str(xpt),
            file_label=DOMAIN_LABELS[domain],
            column_labels=labels,
            table_name=domain,
            file_format_version=5,
        )
        csv = out / f"{domain.lower()}.csv"
        frame.to_csv(csv, index=False)
        written += [xpt, csv]
    written.append(write_define_xml(snapshot, frames, out / "define.xml"))
    return written
