"""K1/K3: library files parse as published, problems are named, default checklists."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from app.domain.criteria_files import default_checklist, parse_library

DATA = Path(__file__).resolve().parents[2] / "app" / "data" / "criteria"


def _docs() -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(DATA.glob("*.json"))]


def test_k1_the_repository_files_load_unchanged():
    docs = _docs()
    parsed = parse_library(docs)
    assert parsed.errors == []
    assert [c.text for _, c in parsed.criteria] == [c["text"] for d in docs for c in d["criteria"]]
    assert len(parsed.criteria) == 85


def test_k1_problems_are_named_and_codes_unique():
    docs = copy.deepcopy(_docs())
    docs[0]["criteria"][1]["code"] = docs[0]["criteria"][0]["code"]
    docs[1]["standard"]["effective_from"] = "2023-13-01"
    docs[2]["criteria"][0]["grade"] = "severe"
    fields = [e.field for e in parse_library(docs).errors]
    assert fields == ["documents[0].criteria[1].code", "documents[1].standard.effective_from",
                      "documents[2].criteria[0].grade"]
    assert [e.field for e in parse_library([]).errors] == ["documents"]


def test_k3_a_sectors_default_checklist_lists_its_criteria_in_force():
    parsed = parse_library(_docs())
    name, items = default_checklist("fire", parsed.criteria)
    assert name == "消防重大事故隐患排查表" and items == []  # GB 35181-2017 is repealed, 2025's items not compiled
    name, items = default_checklist("hazardous_chemicals", parsed.criteria)
    assert [c.code[:4] for c in items] == ["HGWH"] * 20


def test_k1_nul_characters_are_refused_wherever_they_are():
    docs = copy.deepcopy(_docs())
    docs[0]["standard"]["sources"][0]["note"] = "a\x00b"
    docs[3]["criteria"][2]["text"] = "\x00"
    assert [e.field for e in parse_library(docs).errors] == [
        "documents[0].standard.sources[0].note", "documents[3].criteria[2].text"
    ]
