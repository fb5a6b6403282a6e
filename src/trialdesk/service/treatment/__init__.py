"""The on-study part of the study service: schedule, exposure, adverse events, lab-based
suggestions, data queries, tumour response and endpoints, safety alerts and stopping rules.
The clinical decisions are the core's (trialdesk.core.treatment); this package stores, audits
and checks who may act."""
