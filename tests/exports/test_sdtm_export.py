"""Every SDTM dataset written as SAS transport v5, read back and checked against its rules."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest

from trialdesk.core.reporting.consort import consort_flow
from trialdesk.core.reporting.snapshot import DECEASED_REASON
from trialdesk.exports.sdtm import DOMAINS, build_domains, write_sdtm
from trialdesk.exports.sdtm_spec import SPEC
from trialdesk.reports.fixture_study import fixture_snapshot

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@pytest.fixture(scope="module")
def sdtm_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sdtm")
    write_sdtm(fixture_snapshot(), out)
    return out


@pytest.mark.parametrize("domain", list(DOMAINS))
def test_dataset_reads_back_and_follows_sdtm_rules(sdtm_dir: Path, domain: str) -> None:
    frame, meta = pyreadstat.read_xport(str(sdtm_dir / f"{domain.lower()}.xpt"))
    spec = SPEC[domain]
    assert meta.table_name == domain
    assert list(frame.columns) == [name for name, _, _, _ in spec]
    assert all(len(name) <= 8 for name in frame.columns)
    assert all(len(label) <= 40 for label in meta.column_labels)
    assert meta.column_labels == [label for _, label, _, _ in spec]
    assert len(frame) > 0
    assert set(frame["DOMAIN"]) == {domain}
    for name, _, kind, core in spec:
        if core == "Req":
            column = frame[name]
            missing = column.isna() if kind == "Num" else column.astype(str).str.strip().eq("")
            assert not missing.any(), f"{domain}.{name} is required but empty"
        if name.endswith("DTC"):
            values = [v for v in frame[name] if v]
            assert all(ISO_DATE.match(v) for v in values), f"{domain}.{name} not ISO 8601"
    if f"{domain}SEQ" in frame.columns:
        seq = frame[["USUBJID", f"{domain}SEQ"]]
        assert not seq.duplicated().any(), f"{domain}SEQ is not unique per subject"
        firsts = frame.groupby("USUBJID")[f"{domain}SEQ"].min()
        assert (firsts == 1).all()
    csv = pd.read_csv(sdtm_dir / f"{domain.lower()}.csv", dtype=str, keep_default_na=False)
    assert len(csv) == len(frame)


def test_values_match_the_fixture(sdtm_dir: Path) -> None:
    dm, _ = pyreadstat.read_xport(str(sdtm_dir / "dm.xpt"))
    assert len(dm) == 20
    assert (dm["ARMCD"] == "SCRNFAIL").sum() == 3
    s01 = dm[dm["USUBJID"] == "NCT06948994-S01"].iloc[0]
    assert (s01["RFSTDTC"], s01["SEX"], s01["ACTARMCD"]) == ("2026-01-05", "M", "NKGD2CT")
    assert dm.loc[dm["SUBJID"] == "S14", "DTHFL"].item() == "Y"
    ae, _ = pyreadstat.read_xport(str(sdtm_dir / "ae.xpt"))
    assert sorted(ae.loc[ae["USUBJID"] == "NCT06948994-S01", "AETOXGR"]) == ["2", "3", "4"]
    assert ae.loc[ae["AESER"] == "Y", "AEDECOD"].tolist() == [
        "Hypotension",
        "Capillary leak syndrome",
        "Febrile neutropenia",
    ]
    lb, _ = pyreadstat.read_xport(str(sdtm_dir / "lb.xpt"))
    s09 = lb[(lb["USUBJID"] == "NCT06948994-S09") & (lb["LBTESTCD"] == "NEUT")]
    assert s09["LBTOXGR"].tolist() == ["2", "4", "0"]
    assert s09["LBBLFL"].tolist() == ["Y", "", ""]
    rs, _ = pyreadstat.read_xport(str(sdtm_dir / "rs.xpt"))
    best = rs[rs["RSTESTCD"] == "BESTRSP"].set_index("USUBJID")["RSSTRESC"]
    assert best["NCT06948994-S07"] == "MR"
    assert (best == "PR").sum() == 4


def test_define_xml_lists_every_dataset_and_variable(sdtm_dir: Path) -> None:
    import xml.etree.ElementTree as ET

    ns = {"odm": "http://www.cdisc.org/ns/odm/v1.3"}
    root = ET.parse(sdtm_dir / "define.xml").getroot()
    groups = root.findall(".//odm:ItemGroupDef", ns)
    assert [g.get("Name") for g in groups] == list(DOMAINS)
    items = {i.get("OID") for i in root.findall(".//odm:ItemDef", ns)}
    assert items == {f"IT.{d}.{name}" for d, spec in SPEC.items() for name, *_ in spec}


def test_a_recorded_death_is_no_ie_criterion_but_counts_in_consort() -> None:
    snapshot = fixture_snapshot()
    subjects = [
        s.model_copy(update={"screen_fail_reasons": [DECEASED_REASON, *s.screen_fail_reasons]})
        if s.subject_id == "S16"
        else s
        for s in snapshot.subjects
    ]
    died = snapshot.model_copy(update={"subjects": subjects})
    ie = build_domains(died)["IE"]
    assert list(ie["IETEST"]) == list(build_domains(snapshot)["IE"]["IETEST"])
    assert DECEASED_REASON not in set(ie["IETEST"])
    assert dict(consort_flow(died).exclusion_reasons)[DECEASED_REASON] == 1
