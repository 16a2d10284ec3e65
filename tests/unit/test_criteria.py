"""Criteria K1/K2 and checklists K3 (app.domain.criteria)."""

from dataclasses import replace
from datetime import date
from uuid import UUID

import pytest

from app.domain.criteria import (
    ChecklistItem,
    ChecklistVersion,
    CheckResult,
    Criterion,
    ItemResult,
    StandardRef,
    check_citation,
    checklist_problems,
    citation_problems,
    criterion_problems,
    findings_from_results,
    item_result_problems,
    library_problems,
    required_grade,
)
from app.domain.errors import RuleViolation
from app.domain.hazards import Grade

# Fixtures only: made-up records, not the text of any published criterion.
STD = StandardRef("测试用判定标准", "测试发布机关", "测试〔2023〕1号", "第一条第（一）项")
DUST = Criterion(
    code="GM-2023-13-1",
    sectors=frozenset({"industry_trade"}),
    grade=Grade.major,
    effective_from=date(2023, 6, 1),
    standard=STD,
    text="测试条款甲：粉尘涉爆场所的示例条件",
)
OLD = replace(DUST, code="OLD-1", effective_from=date(2017, 11, 30), effective_to=date(2023, 5, 31))
GENERAL = replace(DUST, code="GEN-1", grade=Grade.general, sectors=frozenset({"industry_trade", "fire"}))
LIBRARY = {c.code: c for c in (DUST, OLD, GENERAL)}


def cite(code, *, grade="major", sector="industry_trade", discovered_on=date(2025, 3, 2)):
    return citation_problems(code, library=LIBRARY, grade=grade, enterprise_sector=sector, discovered_on=discovered_on)


def test_k2_a_fitting_citation_has_no_problem():
    assert cite("GM-2023-13-1") == []
    assert cite(None) == []
    assert cite("GEN-1", grade="general", sector="fire") == []
    assert cite("GEN-1", grade="major") == []  # a general criterion does not force the grade


def test_k1_unknown_code():
    [e] = cite("GM-9999")
    assert (e.field, e.message) == ("criterion_code", "unknown criterion code 'GM-9999'")


@pytest.mark.parametrize(
    ("code", "discovered_on", "ok"),
    [
        ("GM-2023-13-1", date(2023, 5, 31), False),
        ("GM-2023-13-1", date(2023, 6, 1), True),
        ("OLD-1", date(2023, 5, 31), True),
        ("OLD-1", date(2023, 6, 1), False),
        ("OLD-1", date(2017, 11, 29), False),
    ],
)
def test_k1_criterion_in_force_on_discovered_on(code, discovered_on, ok):
    errors = cite(code, discovered_on=discovered_on)
    assert (errors == []) is ok
    if not ok:
        [e] = errors
        assert e.field == "criterion_code" and discovered_on.isoformat() in e.message


def test_k1_criterion_of_another_sector():
    [e] = cite("GM-2023-13-1", sector="gas")
    assert e.field == "criterion_code"
    assert e.message == "criterion GM-2023-13-1 applies to 工贸（industry_trade）, not to the enterprise's sector 城镇燃气（gas）"


def test_k2_major_criterion_with_grade_general():
    [e] = cite("GM-2023-13-1", grade="general")
    assert e.field == "criterion_code" and "major-hazard criterion" in e.message
    with pytest.raises(RuleViolation) as exc:
        check_citation("GM-2023-13-1", library=LIBRARY, grade=Grade.general, enterprise_sector="industry_trade",
                       discovered_on=date(2025, 3, 2))
    assert exc.value.code == "invalid_criterion"
    assert [x.field for x in exc.value.errors] == ["criterion_code"]


def test_k2_every_problem_is_reported():
    errors = cite("OLD-1", grade="general", sector="gas", discovered_on=date(2025, 1, 1))
    assert [e.field for e in errors] == ["criterion_code"] * 3


def test_k2_required_grade():
    assert required_grade(DUST) is Grade.major and required_grade(GENERAL) is None


def test_k1_record_validation():
    assert criterion_problems(DUST) == []
    bad = Criterion("", frozenset({"bakery"}), "severe", date(2025, 1, 1), date(2024, 1, 1), None, " ")  # type: ignore[arg-type]
    assert [e.field for e in criterion_problems(bad)] == ["code", "sectors", "grade", "effective_to", "text", "standard"]
    assert [e.field for e in criterion_problems(replace(DUST, sectors=frozenset()))] == ["sectors"]
    blank_std = replace(DUST, standard=StandardRef("", "测试发布机关", " ", "第一条"))
    assert [e.field for e in criterion_problems(blank_std)] == ["standard.title", "standard.number"]


def test_k1_library_version_validation():
    assert library_problems([DUST, OLD, GENERAL]) == []
    errors = library_problems([DUST, replace(DUST, text="")])
    assert [e.field for e in errors] == ["criteria[1].text", "criteria[1].code"]


def test_k1_criterion_accepts_plain_values():
    c = Criterion("X-1", {"fire"}, "major", date(2024, 1, 1), standard=STD, text="t")  # type: ignore[arg-type]
    assert c.grade is Grade.major and c.sectors == frozenset({"fire"})


# --- K3 checklists ----------------------------------------------------------------------------

ITEMS = (
    ChecklistItem("i1", "检查项一：涉爆场所布置", "GM-2023-13-1", Grade.major),
    ChecklistItem("i2", "检查项二：除尘方式", None, Grade.general),
    ChecklistItem("i3", "检查项三：积尘清理", "GEN-1", Grade.general),
)
CHECKLIST = ChecklistVersion("c1", 2, ITEMS, name="粉尘涉爆检查表", tags=frozenset({"dust_explosion"}))


def test_k3_checklist_items_validation():
    assert checklist_problems(ITEMS, LIBRARY) == []
    bad = (
        ChecklistItem("a", "x", "GM-2023-13-1", Grade.general),
        ChecklistItem("a", " ", "NOPE"),
        ChecklistItem("b", "y", None, "severe"),  # type: ignore[arg-type]
    )
    assert [e.field for e in checklist_problems(bad, LIBRARY)] == [
        "items[0].grade", "items[1].id", "items[1].text", "items[1].criterion_code", "items[2].grade",
    ]
    assert [e.field for e in checklist_problems((), LIBRARY)] == ["items"]


def test_k3_results():
    assert [r.value for r in CheckResult] == ["pass", "fail", "not_applicable"]
    results = [ItemResult("i1", "pass"), ItemResult("i2", "not_applicable"), ItemResult("i3", "fail")]
    assert item_result_problems(CHECKLIST, results) == []


def test_k3_item_not_in_the_checklist_version_is_named():
    [e] = item_result_problems(CHECKLIST, [ItemResult("i1", "pass"), ItemResult("i9", "fail")])
    assert e.field == "item_results[1].item_id"
    assert e.message == "item i9 is not in checklist c1 version 2"


@pytest.mark.parametrize("result", ["ok", "PASS", "", None, 1, True])
def test_k3_unknown_result(result):
    [e] = item_result_problems(CHECKLIST, [ItemResult("i1", result)])
    assert e.field == "item_results[0].result"


def test_k3_an_item_twice():
    [e] = item_result_problems(CHECKLIST, [ItemResult("i1", "pass"), ItemResult("i1", "fail")])
    assert (e.field, e.message) == ("item_results[1].item_id", "item i1 already has a result (item_results[0])")


def test_k3_failed_items_become_findings_with_their_criterion_and_grade():
    results = [
        ItemResult("i1", "fail", "  二层设置打磨车间  ", ("att-1",)),
        ItemResult("i2", "pass"),
        ItemResult("i3", "fail"),
    ]
    findings = findings_from_results(CHECKLIST, results)
    assert [(f.item_id, f.criterion_code, f.grade) for f in findings] == [
        ("i1", "GM-2023-13-1", Grade.major),
        ("i3", "GEN-1", Grade.general),
    ]
    assert findings[0].title == ITEMS[0].text
    assert findings[0].description == "二层设置打磨车间"
    assert findings[0].attachment_ids == ("att-1",)
    assert findings[1].description is None


def test_k3_nothing_failed_nothing_found():
    assert findings_from_results(CHECKLIST, [ItemResult("i1", "pass"), ItemResult("i3", "not_applicable")]) == []


def test_k3_findings_check_the_results_first():
    with pytest.raises(RuleViolation) as exc:
        findings_from_results(CHECKLIST, [ItemResult("i1", "fail"), ItemResult("zz", "fail")])
    assert [e.field for e in exc.value.errors] == ["item_results[1].item_id"]


def test_k3_long_item_text_fits_a_hazard_title():
    long_item = ChecklistItem("L", "检查" * 150)
    checklist = ChecklistVersion("c2", 1, (long_item,))
    [f] = findings_from_results(checklist, [ItemResult("L", "fail")])
    assert len(f.title) == 200 and f.title.endswith("…")


def test_k3_item_ids_compare_as_text():
    uid = UUID("0190f3a2-7c1e-7b55-9d0a-3c2f1e4d5a6b")
    checklist = ChecklistVersion("c3", 1, (ChecklistItem(uid, "x"),))
    assert item_result_problems(checklist, [ItemResult(str(uid), "fail")]) == []
    assert [f.item_id for f in findings_from_results(checklist, [ItemResult(uid, "fail")])] == [str(uid)]
