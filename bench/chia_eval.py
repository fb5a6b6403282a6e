"""Precision and recall of TrialDesk's numeric constraints against the Chia corpus.

Usage (from the repository root):

    .venv/bin/python bench/chia_eval.py [--data ../shared/data/chia-dev] [--split tune|holdout|all]
                                        [--show-errors] [--min-confidence 0.7]
                                        [--strict-relations] [--adjudicated [FILE]]

Gold standard: in each ``.ann`` file, every ``Has_value`` relation whose first argument is an
age (a ``Person`` entity, or a value in years/months) or a measurement naming one of TrialDesk's
analytes (looked up, whole entity text, in the parser's synonym table; a ``Scope`` entity
contributes every analyte it names), and whose ``Value`` holds a number. The value text is read
into atoms by this script's own small reader (independent of the parser): one operator, one
number, one unit or ULN/LLN multiple each; a range gives two atoms.

A predicted atom (a ``lab`` or ``age`` constraint the parser reports with at least the given
confidence) matches a gold atom when, on the same line of the same file, the analyte id, the
operator, the number and the unit (UCUM, or the ULN/LLN multiple; none = none) are all equal.
Each gold atom matches at most one prediction.

Not scored, and counted separately:
* gold values whose operator is a bare "=" — in Chia's text a lost "≥"/"≤" (encoding damage):
  neither the annotation nor the text says which, and the parser refuses to guess;
* gold atoms for measurements TrialDesk has no analyte for (BMI, scores, ...): out of scope.

``--adjudicated`` adds to the gold the hand-checked annotation omissions listed (each with
its reason) in ``bench/data/chia_adjudication.toml``: readings the
text states but Chia does not annotate. Always report the plain figure next to it.

The 200 trials are split in two halves by a hash of the NCT id: ``tune`` (used while the parser
was developed) and ``holdout`` (never inspected while tuning). Report both.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
import tomllib
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from trialdesk.core.criteria_text import parse_criteria
from trialdesk.core.criteria_text.lexicon import lexicon
from trialdesk.core.criteria_text.model import ConstraintKind, ItemKind
from trialdesk.core.units import canonical_unit
from trialdesk.errors import UnitError

RESTORE = True  # --strict-relations turns the restoration of missing Has_value pairs off
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "chia-dev"
ADJUDICATION = Path(__file__).resolve().parent / "data" / "chia_adjudication.toml"


@dataclass(frozen=True)
class Atom:
    line: int
    analyte: str
    operator: str
    value: Decimal
    unit: str | None

    def key(self) -> tuple[object, ...]:
        return (self.line, self.analyte, self.operator, self.value, self.unit)


# ---------------------------------------------------------------- gold: brat annotations


def read_text(stem: Path) -> str:
    """The text exactly as brat counted it: many Chia files end lines with CR LF, and brat's
    offsets count the CR, so universal-newline reading would shift every later offset."""
    return stem.with_suffix(".txt").read_bytes().decode("utf-8")


def read_ann(path: Path) -> tuple[dict[str, tuple[str, int, str]], list[tuple[str, str]]]:
    entities: dict[str, tuple[str, int, str]] = {}
    relations: list[tuple[str, str]] = []
    for raw in path.read_text("utf-8").splitlines():
        parts = raw.split("\t")
        if raw.startswith("T") and len(parts) >= 3:
            kind, *offsets = parts[1].split(" ")
            start = int(offsets[0].split(";")[0])
            entities[parts[0]] = (kind, start, parts[2])
        elif raw.startswith("R") and len(parts) >= 2:
            kind, arg1, arg2 = parts[1].split(" ")[:3]
            if kind == "Has_value":
                relations.append((arg1.split(":")[1], arg2.split(":")[1]))
    return entities, relations


_GOLD_OPS = [
    (
        r"≥|>=|=>|³|>\s*or\s*=|greater\s+than\s+or\s+equal|more\s+than\s+or\s+equal|at\s+least|"
        r"not\s+less\s+than|no\s+less\s+than|minimum",
        ">=",
    ),
    (
        r"≤|<=|=<|£|<\s*or\s*=|less\s+than\s+or\s+equal|at\s+most|not\s+more\s+than|"
        r"no\s+more\s+than|up\s+to|maximum|not\s+exceed",
        "<=",
    ),
    (
        r">|greater\s+than|more\s+than|higher\s+than|above|over|exceed\w*|older\s+than|in\s+excess",
        ">",
    ),
    (r"<|less\s+than|lower\s+than|below|under|younger\s+than|fewer\s+than", "<"),
]
_GOLD_SUFFIX = [
    (r"or\s+(?:more|greater|higher|above|older|over)|and\s+(?:above|older|over|more)|\+", ">="),
    (r"or\s+(?:less|lower|below|younger|under)|and\s+(?:below|younger|under)", "<="),
]
_NUM = re.compile(r"\d{1,3}(?:[, ]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
_GOLD_UNITS = {
    "g/dl": "g/dL", "mg/dl": "mg/dL", "g/l": "g/L", "mmol/l": "mmol/L", "umol/l": "umol/L",
    "µmol/l": "umol/L", "μmol/l": "umol/L", "/mm3": "/mm3", "/mm³": "/mm3", "per mm3": "/mm3",
    "cells/mm3": "/mm3", "cells/mm³": "/mm3", "/µl": "/uL", "/ul": "/uL", "cells/µl": "/uL",
    "cells/ul": "/uL", "/mcl": "/uL", "x10^9/l": "10*9/L", "x 10^9/l": "10*9/L", "×10^9/l": "10*9/L",
    "× 10^9/l": "10*9/L", "10^9/l": "10*9/L", "x109/l": "10*9/L",
    "mmhg": "mm[Hg]", "mm hg": "mm[Hg]", "%": "%", "ml/min": "mL/min",
    "ml/min/1.73m2": "mL/min/{1.73_m2}", "ml/min/1.73 m2": "mL/min/{1.73_m2}",
    "ml/min/1.73m²": "mL/min/{1.73_m2}", "ml/min/1.73 m²": "mL/min/{1.73_m2}",
    "u/l": "U/L", "iu/l": "U/L", "ng/ml": "ng/mL", "ms": "ms", "msec": "ms", "bpm": "/min",
    "beats/min": "/min", "kg": "kg", "cm": "cm", "mg/l": "mg/L", "mg": "mg", "°c": "Cel",
    "ng/dl": "ng/dL", "pg/ml": "pg/mL", "meq/l": "meq/L", "s": "s", "sec": "s", "seconds": "s",
    "f": "[degF]", "°f": "[degF]", "celsius": "Cel", "elements per mm3": "/mm3", "/l": "/L",
    "ml/min/1,73 m2": "mL/min/{1.73_m2}", "ml/min/1,73m2": "mL/min/{1.73_m2}", "mm": "mm",
    "x10e9/l": "10*9/L", "g/dl.": "g/dL", "mmol/mol": "mmol/mol",
    "x10(9)/l": "10*9/L", "x10*9/l": "10*9/L", "x10^3/ul": "10*3/uL", "x10^3/mm3": "10*3/mm3",
    "k/ul": "10*3/uL", "x10^12/l": "10*12/L", "mg/24h": "mg/(24.h)", "ml/min/m2": "mL/min/m2",
    "kg/m2": "kg/m2", "iu/ml": "[IU]/mL", "/microl": "/uL", "cells/microl": "/uL", "ng/l": "ng/L", "pmol/l": "pmol/L", "nmol/l": "nmol/L",
}  # fmt: skip
_TIME_UNITS = {"year": "a", "years": "a", "yrs": "a", "yr": "a", "y": "a", "yo": "a",
               "month": "mo", "months": "mo", "m": "mo", "mo": "mo", "weeks": "wk", "week": "wk",
               "yrs-": "a", "mos": "mo"}  # fmt: skip


def gold_atoms(text: str, value_text: str, start: int, analyte: str) -> tuple[list[Atom], bool]:
    """Atoms of one annotated value, and whether its operator is a bare (ambiguous) "="."""
    line = text.count("\n", 0, start)
    lowered = _digits(value_text.lower())
    ambiguous = bool(re.search(r"(?<![<>≤≥!=])=(?!=)", lowered)) and not re.search(
        r"[<>≤≥³£]|than|least|most|or\s+(?:more|less|older)", lowered.replace("=", "")
    )
    unit, _ = _gold_unit(lowered, analyte)
    numbers = list(_NUM.finditer(lowered))
    if not numbers:
        return [], ambiguous
    pressure = re.search(r"(\d{2,3})\s*/\s*(\d{2,3})", lowered)
    if pressure and analyte in ("systolic_bp", "diastolic_bp"):
        # "BP > 140/90": one operator, the first number systolic, the second diastolic.
        keep = pressure.span(1) if analyte == "systolic_bp" else pressure.span(2)
        operator = _gold_operator(lowered[: pressure.start()], lowered[pressure.end() :])
        if operator is None:
            return [], ambiguous
        value = _dec(lowered[keep[0] : keep[1]])
        return [Atom(line, analyte, operator, value, unit)], ambiguous
    atoms: list[Atom] = []
    if (
        len(numbers) == 2
        and re.fullmatch(
            r"[\s\-a-z%]*?\s*(?:-|–|to|and|through)\s*",
            lowered[numbers[0].end() : numbers[1].start()],
        )
    ) or (
        len(numbers) == 2
        and re.search(r"\b(?:between|from)\b", lowered[: numbers[0].start()])
        and re.search(r"\b(?:and|to)\b", lowered[numbers[0].end() : numbers[1].start()])
    ):
        low, high = (_dec(n.group()) for n in numbers)
        low_unit = _age_unit_after(lowered, numbers[0].end()) if analyte == "age" else None
        atoms = [
            Atom(line, analyte, ">=", low, low_unit or unit),
            Atom(line, analyte, "<=", high, unit),
        ]
        return atoms, ambiguous
    previous = 0
    for number in numbers:
        before = lowered[previous : number.start()]
        after = lowered[number.end() : number.end() + 30]
        operator = _gold_operator(before, after)
        previous = number.end()
        if operator is not None:
            atoms.append(Atom(line, analyte, operator, _dec(number.group()), unit))
    return atoms, ambiguous


_WORDS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
          "seven": "7", "eight": "8", "nine": "9", "ten": "10", "twelve": "12"}  # fmt: skip


def _digits(text: str) -> str:
    return re.sub(r"\b(" + "|".join(_WORDS) + r")\b", lambda m: _WORDS[m.group(1)], text)


def _gold_operator(before: str, after: str) -> str | None:
    for pattern, operator in _GOLD_OPS:
        if re.search(rf"(?:{pattern})\s*$", before.strip() + " ", re.IGNORECASE) or re.search(
            rf"(?:{pattern})[\s\w]{{0,12}}$", before.strip()
        ):
            return operator
    after = re.sub(r"^\s*(?!or\b|and\b)[a-z%/\d.^µ³]*\s*(?:of\s+age|old)?\s*", "", after)
    for pattern, operator in _GOLD_SUFFIX:
        if re.match(rf"\s*(?:{pattern})", after):
            return operator
    return None


def _age_unit_after(lowered: str, end: int) -> str | None:
    found = re.match(r"\s*-?\s*([a-z]+)", lowered[end:])
    return _TIME_UNITS.get(found.group(1)) if found else None


def _gold_unit(lowered: str, analyte: str) -> tuple[str | None, str | None]:
    if re.search(r"uln|unl|upper\s+limit|times\s+(?:the\s+)?normal|x\s*n\b", lowered):
        return "ULN", "ULN"
    if re.search(r"lln|lower\s+limit", lowered):
        return "LLN", "LLN"
    if analyte == "age":
        units = [_age_unit_after(lowered, n.end()) for n in _NUM.finditer(lowered)]
        return next((u for u in reversed(units) if u), "a"), None
    table = {_squash(k): v for k, v in _GOLD_UNITS.items()}
    keys = sorted(table, key=len, reverse=True)
    for number in _NUM.finditer(lowered):
        tail = _squash(lowered[number.end() :])
        for key in keys:
            boundary = key == "%" or not tail[len(key) : len(key) + 1].isalnum()
            if tail.startswith(key) and boundary:
                return _canonical(table[key]), None
    return None, None


def _squash(unit: str) -> str:
    """Spelling-insensitive form of a unit: no spaces, one micro sign, one multiplication sign."""
    unit = unit.lower().replace(" ", "").replace("μ", "u").replace("µ", "u").replace("×", "x")
    return unit.replace("mcl", "ul").replace("³", "3").replace("²", "2").replace("^", "")


def _canonical(unit: str) -> str:
    try:
        return canonical_unit(unit)
    except UnitError:
        return unit


def _dec(number: str) -> Decimal:
    try:
        return Decimal(re.sub(r"[, ]", "", number))
    except InvalidOperation:
        return Decimal(-1)


def _clean_measurement(name: str) -> str:
    name = re.sub(r"\([^)]*\)", " ", name)
    name = re.sub(
        r"(?i)\b(?:serum|plasma|blood|level|levels|value|values|concentration|count|calculated)\b",
        " ",
        name,
    )
    return re.sub(r"\s+", " ", name).strip(" ,.:")


def gold_analytes(kind: str, name: str, value_text: str) -> list[str]:
    if kind == "Person":
        is_age = re.search(r"(?i)\bage|aged|old|year|month", name + " " + value_text)
        return ["age"] if is_age and not re.search(r"(?i)g/|mg|kg|units", value_text) else []
    table = lexicon()
    found = table.lookup(name) or table.lookup(_clean_measurement(name))
    if found:
        return list(found)
    if kind == "Scope":
        return [a for m in table.mentions(name) for a in m.analytes]
    return []


def gold_for(stem: Path) -> tuple[list[Atom], int, Counter[str]]:
    text = read_text(stem)
    entities, relations = read_ann(stem.with_suffix(".ann"))
    atoms: list[Atom] = []
    ambiguous = 0
    out_of_scope: Counter[str] = Counter()
    for arg1, arg2 in relations + (_adjacent_pairs(entities, relations) if RESTORE else []):
        if arg1 not in entities or arg2 not in entities:
            continue
        kind, _, name = entities[arg1]
        _, value_start, value_text = entities[arg2]
        value_text = _whole_value(text, value_start, value_text)
        if not _NUM.search(_digits(value_text.lower())):
            continue
        analytes = gold_analytes(kind, name, value_text)
        if not analytes:
            if kind in ("Measurement", "Scope"):
                out_of_scope[name.lower()] += 1
            continue
        for analyte in analytes:
            found, is_ambiguous = gold_atoms(text, value_text, value_start, analyte)
            if is_ambiguous:
                ambiguous += 1
                break
            atoms.extend(found)
    # One statement annotated twice (from a Measurement and from a Scope naming it) is one atom.
    return list(dict.fromkeys(atoms)), ambiguous, out_of_scope


# Full-width forms ("＞ 2×ULN", "＜18y") in Chinese-English text: the ASCII character they stand for.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}


def _whole_value(text: str, start: int, value_text: str) -> str:
    """The value as the gold reader should see it.

    Full-width characters become ASCII (the reader's operator patterns are ASCII/≤≥). A
    contiguous span that stops inside a word ("> 5.0mg/d" of "> 5.0mg/dl") runs on to the
    word's end: brat spans cut mid-word are annotation slips, and the text says which unit.
    """
    end = start + len(value_text)
    if (
        text[start:end] == value_text
        and value_text[-1:].isalnum()
        and text[end : end + 1].isalpha()
    ):
        tail = re.match(r"[^\s,;()]*", text[end:])
        value_text += tail.group() if tail else ""
    return value_text.translate(_FULL_WIDTH)


def _adjacent_pairs(
    entities: dict[str, tuple[str, int, str]], relations: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    """Pairs Chia leaves without Has_value: "Age" or a measurement and the value right after it.

    Restored only when the Person/Measurement is followed within 3 characters by a Value (or by
    a Scope grouping Values: each Value inside it), and none of them takes part in a Has_value
    relation. The rule looks only at the annotations, never at the parser's output.
    """
    related = {t for pair in relations for t in pair}
    pairs = []
    for subject, (kind, start, name) in entities.items():
        if subject in related or kind not in ("Person", "Measurement"):
            continue
        if kind == "Person" and not re.search(r"(?i)\bage", name):
            continue
        end = start + len(name)
        for value in _values_after(entities, end):
            if value not in related:
                pairs.append((subject, value))
    return pairs


def _values_after(entities: dict[str, tuple[str, int, str]], end: int) -> list[str]:
    ordered = sorted(entities.items(), key=lambda e: (e[1][0] != "Scope", e[1][1]))
    for tid, (kind, start, text) in ordered:
        if 0 <= start - end <= 3 and kind == "Value":
            return [tid]
        if 0 <= start - end <= 3 and kind == "Scope":
            stop = start + len(text)
            return [
                v
                for v, (k, s, t) in entities.items()
                if k == "Value" and start <= s and s + len(t) <= stop
            ]
    return []


# ---------------------------------------------------------------- predictions


def predicted_for(stem: Path, min_confidence: float) -> list[Atom]:
    text = read_text(stem)
    kind = ItemKind.EXCLUSION if stem.name.endswith("_exc") else ItemKind.INCLUSION
    atoms = []
    for item in parse_criteria(text, default_kind=kind).items:
        for c in item.constraints:
            if (
                c.kind not in (ConstraintKind.LAB, ConstraintKind.AGE)
                or c.confidence < min_confidence
            ):
                continue
            if c.condition and c.condition.startswith("sex:"):
                continue  # Chia links sex-specific limits to the Person, not the measurement
            assert c.analyte
            assert c.operator
            assert c.value is not None
            unit = c.reference or c.unit
            atoms.append(
                Atom(text.count("\n", 0, c.span[0]), c.analyte, str(c.operator), c.value, unit)
            )
    return atoms


# ---------------------------------------------------------------- scoring


def in_split(nct: str, split: str) -> bool:
    if split == "all":
        return True
    holdout = int(hashlib.sha256(nct.encode()).hexdigest(), 16) % 2 == 1
    return holdout == (split == "holdout")


@dataclass
class Score:
    trials: int = 0
    gold: int = 0
    predicted: int = 0
    matched: int = 0
    ambiguous: int = 0
    age_gold: int = 0
    age_matched: int = 0
    age_predicted: int = 0
    adjudicated: int = 0


def read_adjudication(path: Path | None) -> dict[str, list[Atom]]:
    """Hand-checked annotation omissions (see the file's header), by Chia file stem."""
    if path is None:
        return {}
    added: dict[str, list[Atom]] = {}
    for entry in tomllib.loads(path.read_text("utf-8"))["omission"]:
        atom = Atom(
            entry["line"],
            entry["analyte"],
            entry["operator"],
            Decimal(entry["value"]),
            entry["unit"],
        )
        added.setdefault(entry["file"], []).append(atom)
    return added


def evaluate(
    data: Path,
    split: str,
    min_confidence: float,
    show: bool,
    adjudicated: dict[str, list[Atom]] | None = None,
) -> tuple[Score, Counter[str]]:
    score, out_of_scope = Score(), Counter[str]()
    trials = sorted({p.name.split("_")[0] for p in data.glob("NCT*_*.txt")})
    trials = [t for t in trials if in_split(t, split)]
    score.trials = len(trials)
    for nct in trials:
        for part in ("inc", "exc"):
            stem = data / f"{nct}_{part}"
            if not stem.with_suffix(".ann").exists():
                continue
            gold, ambiguous, unscoped = gold_for(stem)
            for atom in (adjudicated or {}).get(stem.name, []):
                if atom in gold:
                    sys.exit(f"{ADJUDICATION}: {stem.name}:{atom.line} is in the gold already")
                gold.append(atom)
                score.adjudicated += 1
            out_of_scope.update(unscoped)
            predicted = predicted_for(stem, min_confidence)
            score.ambiguous += ambiguous
            _score_file(stem, gold, predicted, score, show)
    return score, out_of_scope


def _score_file(
    stem: Path, gold: list[Atom], predicted: list[Atom], score: Score, show: bool
) -> None:
    unmatched = Counter(a.key() for a in gold)
    matched = 0
    misses = []
    for atom in predicted:
        if unmatched[atom.key()] > 0:
            unmatched[atom.key()] -= 1
            matched += 1
            score.age_matched += atom.analyte == "age"
        else:
            misses.append(atom)
    score.gold += len(gold)
    score.predicted += len(predicted)
    score.matched += matched
    score.age_gold += sum(a.analyte == "age" for a in gold)
    score.age_predicted += sum(a.analyte == "age" for a in predicted)
    if show:
        lines = read_text(stem).split("\n")
        for atom in misses:
            print(f"FP {stem.name}:{atom.line} {atom.key()[1:]} | {lines[atom.line][:160]}")
        for key, count in unmatched.items():
            if count > 0:
                print(f"FN {stem.name}:{key[0]} {key[1:]} | {lines[int(str(key[0]))][:160]}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--split", choices=["tune", "holdout", "all"], default="tune")
    parser.add_argument("--min-confidence", type=float, default=0.7)
    parser.add_argument("--show-errors", action="store_true")
    parser.add_argument("--strict-relations", action="store_true")
    parser.add_argument(
        "--adjudicated",
        nargs="?",
        type=Path,
        const=ADJUDICATION,
        default=None,
        help="add the hand-checked annotation omissions of this TOML file to the gold",
    )
    args = parser.parse_args()
    global RESTORE
    RESTORE = not args.strict_relations
    score, out_of_scope = evaluate(
        args.data,
        args.split,
        args.min_confidence,
        args.show_errors,
        read_adjudication(args.adjudicated),
    )
    precision = score.matched / score.predicted if score.predicted else 0.0
    recall = score.matched / score.gold if score.gold else 0.0
    print(
        f"split={args.split} trials={score.trials} min_confidence={args.min_confidence} "
        f"gold={'Has_value only' if args.strict_relations else 'Has_value + adjacent pairs'}"
        + (f" + {score.adjudicated} adjudicated omissions" if args.adjudicated else "")
    )
    print(f"numeric atoms: gold={score.gold} predicted={score.predicted} matched={score.matched}")
    print(f"precision={precision:.3f} recall={recall:.3f}")
    age_p = score.age_matched / score.age_predicted if score.age_predicted else 0.0
    age_r = score.age_matched / score.age_gold if score.age_gold else 0.0
    print(
        f"  of which age: gold={score.age_gold} predicted={score.age_predicted} "
        f"matched={score.age_matched} precision={age_p:.3f} recall={age_r:.3f}"
    )
    print(
        f"not scored: ambiguous '=' values={score.ambiguous}; "
        f"out-of-scope measurement values={sum(out_of_scope.values())}"
    )
    print(
        "  most frequent out-of-scope: "
        + ", ".join(f"{n} ({c})" for n, c in out_of_scope.most_common(12))
    )
    sys.exit(0)


if __name__ == "__main__":
    main()
