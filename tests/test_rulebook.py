"""Every rule the code and the tests cite is in the repository's rulebook (docs/rules.md),
every worked example they cite is in docs/examples.md. No database.

What counts as a citation, in the Python and Markdown files under app/, tests/ (but this
one), bench/, migrations/ and in README.md:

- Where. In Python: comments, string literals (docstrings, descriptions of the contract,
  error messages) and the leading ids of a test's name (`test_h1_a4_server_owned…` cites
  H1 and A4). In Markdown: the text outside fenced code blocks.
- What. A capital letter of a rule subject (E H C T S P A R K I) with one or two digits,
  standing alone: `H3`, `(C1, C2)`, `R3's`, `H8/R4`. A range `C1–C4` (or `C1-C4`) cites
  every id from C1 to C4. Other letters (quarters Q1–Q4, weeks W01, the test data M1, G1,
  V1 …) are never rule ids.
- Not citations. Period labels: `2024-Q4`, `2025-H1`, `H1 2024`, `Q1 2026`, `2025-W18`
  (a bare `H1`/`H2` reads as the hazard rule, which is defined either way). A string
  literal that is one id and nothing else (`"E3"`, a spreadsheet cell `"A2"`) is a value,
  and the same id elsewhere in that file names that value (the enterprises E1–E4 of the
  access tests). A string starting with `=` is a spreadsheet formula.
- Examples. `test_<rule>_example_<n>…` and "<Rule> example <n>" cite the heading
  "### <Rule> example <n>" of docs/examples.md; "examples.md N" or "examples.md N–M" cite
  examples of the numbered series 1–13 (any heading but C5's own series).
- Sections. "rules.md §N" (and ", §M" right after it) cite the heading "## N." of
  docs/rules.md.

A rule is defined by a heading of docs/rules.md that starts with its id (`### H3 — …`).
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "docs" / "rules.md"
EXAMPLES = ROOT / "docs" / "examples.md"
SCANNED_DIRS = ("app", "tests", "bench", "migrations")
SCANNED_FILES = ("README.md",)

PREFIXES = "EHCTSPARKI"
_ID = rf"[{PREFIXES}][0-9]{{1,2}}"
# An id standing alone: no letter, digit or underscore on either side.
ID = re.compile(rf"(?<![A-Za-z0-9_])({_ID})(?![A-Za-z0-9_])")
RANGE = re.compile(rf"(?<![A-Za-z0-9_])([{PREFIXES}])([0-9]{{1,2}})\s*[–—-]\s*\1([0-9]{{1,2}})(?![A-Za-z0-9_])")
# "2024-Q4", "2025-H1", "2025-W18" (also invalid ones such as "2025-H3"), "H1 2024", "Q1 2026".
PERIOD = re.compile(r"\b[0-9]{4}-[HQW][0-9]{1,2}\b|\b(?:H[12]|Q[1-4]) [0-9]{4}(?![0-9-])")
TEST_IDS = re.compile(r"^test_((?:[a-z][0-9]{1,2}_)+)")
TEST_EXAMPLE = re.compile(r"^test_([a-z][0-9]{1,2})_example_([0-9]+)(?![0-9])")
PROSE_EXAMPLE = re.compile(r"(?<![A-Za-z0-9_])([A-Z][0-9]{1,2}) example ([0-9]+)\b")
EXAMPLES_NUMBERS = re.compile(r"examples\.md\s+([0-9]+)(?:\s*[–—-]\s*([0-9]+))?")
RULES_SECTIONS = re.compile(r"rules\.md\s+(§[0-9]+(?:\s*,\s*§[0-9]+)*)")
# The C5 examples are a series of their own; the rest are numbered 1, 2, 3 … across rules.
OWN_SERIES = {"C5"}

HEADING_ID = re.compile(rf"^#{{2,6}}\s+({_ID})\b", re.M)
HEADING_SECTION = re.compile(r"^##\s+([0-9]+)\.", re.M)
HEADING_EXAMPLE = re.compile(r"^###\s+([A-Z][0-9]{1,2}) example ([0-9]+)\b", re.M)


@dataclass(frozen=True)
class Citation:
    what: str  # "H3", "example C1 1", "example 7", "§4"
    where: str  # path:line

    def __str__(self) -> str:
        return f"{self.what} ({self.where})"


# --- reading citations ------------------------------------------------------------------------


def ids_in(text: str) -> list[str]:
    """The rule ids a piece of prose cites, ranges expanded, period labels left out."""
    text = PERIOD.sub(" ", text)
    found = []
    for m in RANGE.finditer(text):
        letter, first, last = m.group(1), int(m.group(2)), int(m.group(3))
        found += [f"{letter}{n}" for n in range(first, last + 1)]
    found += ID.findall(RANGE.sub(" ", text))
    return found


def examples_in(text: str) -> list[str]:
    """The worked examples a piece of prose cites, as "example C1 1" or "example 7"."""
    found = [f"example {rule} {n}" for rule, n in PROSE_EXAMPLE.findall(text)]
    for m in EXAMPLES_NUMBERS.finditer(text):
        first = int(m.group(1))
        last = int(m.group(2)) if m.group(2) else first
        found += [f"example {n}" for n in range(first, last + 1)]
    return found


def sections_in(text: str) -> list[str]:
    return [s.strip() for m in RULES_SECTIONS.finditer(text) for s in m.group(1).split(",")]


def _prose(text: str) -> list[str]:
    return ids_in(text) + examples_in(text) + sections_in(text)


def citations_in_python(source: str, where: str) -> list[Citation]:
    tree = ast.parse(source)
    pieces: list[tuple[int, str]] = []  # (line, text) of prose
    values: set[str] = set()  # ids used as whole string values in this file
    cited: list[Citation] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value.strip()
            if ID.fullmatch(text):
                values.add(text)
            elif not text.startswith("="):
                pieces.append((node.lineno, node.value))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test_"):
            at = f"{where}:{node.lineno}"
            ids = TEST_IDS.match(node.name)
            if ids:
                cited += [Citation(i.upper(), at) for i in ids.group(1).split("_") if i]
            example = TEST_EXAMPLE.match(node.name)
            if example:
                cited.append(Citation(f"example {example.group(1).upper()} {int(example.group(2))}", at))
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            pieces.append((tok.start[0], tok.string))
    for line, text in pieces:
        cited += [Citation(c, f"{where}:{line}") for c in _prose(text) if c not in values]
    return cited


def citations_in_markdown(text: str, where: str) -> list[Citation]:
    cited, fenced = [], False
    for n, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced:
            cited += [Citation(c, f"{where}:{n}") for c in _prose(line)]
    return cited


def scanned_files() -> list[Path]:
    files = [ROOT / f for f in SCANNED_FILES]
    for d in SCANNED_DIRS:
        files += [p for p in (ROOT / d).rglob("*") if p.suffix in (".py", ".md") and "__pycache__" not in p.parts]
    # This file's own cases are made-up text, not citations.
    return sorted(p for p in files if p != Path(__file__).resolve())


@cache
def all_citations() -> tuple[Citation, ...]:
    """Every citation of the scanned files (read once: ~1.3 MB of Python)."""
    cited: list[Citation] = []
    for path in scanned_files():
        where, text = str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")
        cited += citations_in_python(text, where) if path.suffix == ".py" else citations_in_markdown(text, where)
    return tuple(cited)


# --- what the rulebook defines ----------------------------------------------------------------


def defined(rules_text: str, examples_text: str) -> set[str]:
    names = set(HEADING_ID.findall(rules_text))
    names |= {f"§{n}" for n in HEADING_SECTION.findall(rules_text)}
    for rule, n in HEADING_EXAMPLE.findall(examples_text):
        names.add(f"example {rule} {int(n)}")
        if rule not in OWN_SERIES:
            names.add(f"example {int(n)}")
    return names


def undefined(citations: Iterable[Citation], names: set[str]) -> dict[str, list[str]]:
    """What is cited but not defined, with up to five places each."""
    missing: dict[str, list[str]] = defaultdict(list)
    for c in citations:
        if c.what not in names:
            missing[c.what].append(c.where)
    return {k: v[:5] for k, v in sorted(missing.items())}


def _report(missing: dict[str, list[str]], where: str) -> str:
    lines = [f"cited but not in {where}:"] + [f"  {k}: {', '.join(v)}" for k, v in missing.items()]
    return "\n".join(lines)


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


# --- the checks -------------------------------------------------------------------------------


def test_every_cited_rule_id_is_in_the_rulebook():
    names = defined(_read(RULES), _read(EXAMPLES))
    rules = [c for c in all_citations() if ID.fullmatch(c.what)]
    assert len({c.what for c in rules}) > 40  # the scan finds the code's citations at all
    missing = undefined(rules, names)
    assert not missing, _report(missing, "docs/rules.md (a heading '### <id> — …')")


def test_every_cited_example_is_in_examples_md():
    names = defined(_read(RULES), _read(EXAMPLES))
    examples = [c for c in all_citations() if c.what.startswith("example ")]
    assert len({c.what for c in examples}) >= 20
    missing = undefined(examples, names)
    assert not missing, _report(missing, "docs/examples.md (a heading '### <rule> example <n> — …')")


def test_every_cited_section_of_the_rulebook_exists():
    names = defined(_read(RULES), _read(EXAMPLES))
    sections = [c for c in all_citations() if c.what.startswith("§")]
    assert sections
    missing = undefined(sections, names)
    assert not missing, _report(missing, "docs/rules.md (a heading '## <n>. …')")


def test_the_rulebook_defines_each_id_once():
    ids = HEADING_ID.findall(_read(RULES))
    assert len(ids) == len(set(ids)), sorted(i for i in set(ids) if ids.count(i) > 1)
    examples = HEADING_EXAMPLE.findall(_read(EXAMPLES))
    assert len(examples) == len(set(examples))
    main = [int(n) for rule, n in examples if rule not in OWN_SERIES]
    assert main == list(range(1, len(main) + 1)), "examples 1, 2, 3 … in order, across rules"


def test_a_rule_taken_out_of_the_rulebook_is_reported():
    rules, examples = _read(RULES), _read(EXAMPLES)
    cited = all_citations()
    assert "H3" not in undefined(cited, defined(rules, examples))
    without_h3 = re.sub(r"^### H3 .*$", "### (removed)", rules, flags=re.M)
    assert without_h3 != rules
    missing = undefined(cited, defined(without_h3, examples))
    assert "H3" in missing and any(w.startswith("app/") for w in missing["H3"])
    assert "H3" in _report(missing, "docs/rules.md")


def test_an_example_taken_out_is_reported():
    rules, examples = _read(RULES), _read(EXAMPLES)
    without = re.sub(r"^### C2 example 7 .*$", "### (removed)", examples, flags=re.M)
    missing = undefined(all_citations(), defined(rules, without))
    assert {"example C2 7", "example 7"} <= set(missing)


# --- the definition of a citation, case by case -----------------------------------------------


def whats(source: str) -> list[str]:
    return [c.what for c in citations_in_python(source, "x.py")]


def test_ids_in_prose_and_ranges():
    assert ids_in("Compliance (C1–C4), targets (T1-T3); H8/R4, R3's ladder") == [
        "C1", "C2", "C3", "C4", "T1", "T2", "T3", "H8", "R4", "R3",
    ]
    assert ids_in("M1 closed, G2 open, Q1 2026, W01, V1, B2, HC1, E1a, C1x") == []


def test_period_labels_are_not_citations():
    assert ids_in('"2024-Q4", "2024-H2" or "2025"; 2025-W18; from H1 2024; H2 2025 done') == []
    assert ids_in("2025-H3 and 2025-Q5 are not periods") == []
    assert ids_in("the half-year H1 began red") == ["H1"]  # the hazard rule, defined either way


def test_comments_docstrings_strings_and_test_names():
    source = '''
"""Module (E1, E2)."""
# H6: overdue
def test_h1_a4_fields():
    """Docstring K2."""
    raise Forbidden("only street_admin may reopen (H2)")
def test_c5_example_2_half_years_from_h2():
    pass
def test_k4_docstring_example():
    pass
def helper_r9():
    x = R9
'''
    assert sorted(whats(source)) == sorted(
        ["E1", "E2", "H6", "H1", "A4", "K2", "H2", "C5", "example C5 2", "K4"]
    )


def test_values_and_formulas_are_not_citations():
    source = '''
"""Enterprises E1 (V1, construction), E3 (V2, fire); rule A1."""
VISIBLE = {"E1": 1, "E3": 2}
ws.freeze_panes = "A2"
cell = "=SUM(K9)"
'''
    assert whats(source) == ["A1"]


def test_example_citations():
    assert examples_in("(docs/rules.md §4, docs/examples.md 1–3)") == ["example 1", "example 2", "example 3"]
    assert examples_in("others never count (docs/examples.md, C1 example 3)") == ["example C1 3"]
    assert sections_in("(docs/rules.md §4, §5)") == ["§4", "§5"]
    assert sections_in("plan §15 and §6") == []


def test_fenced_code_in_markdown_is_not_prose():
    text = 'Library (docs/rules.md K1).\n```json\n{"id": "S4"}\n```\ntags of E1.\n'
    assert [c.what for c in citations_in_markdown(text, "x.md")] == ["K1", "E1"]
