"""Exports of a study snapshot: CDISC SDTM (XPT v5 + CSV + define.xml), ODM 1.3.2, FHIR R4."""
