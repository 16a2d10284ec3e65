"""A2 (BOLA) generated from the contract: for every path of openapi/openapi.json with an id
and every method on it, a user of another village, of another department and of another
enterprise gets 404 — never 403, never the object's data. The list of calls comes from
the committed contract, so a new endpoint is covered as soon as it is published; a new
kind of id fails here until it has a factory below.

Org units and users are the street office's objects, not an enterprise's: the
expectations for them are stated explicitly (ORGANISATION)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests.contract.bodies import request_body, today
from tests.contract.conftest import COMMITTED, operations
from tests.contract.live import API, PNG, LiveServer

# The other village's officer, a department that does not lead the object's sector, the
# user of another enterprise in the same village.
OUTSIDERS = {"other_village": "village2", "other_department": "dept_housing", "other_enterprise": "ent3"}

PUBLIC = {"tracking_code"}  # GET /public/reports/{tracking_code}: anonymous by design (P1)

# Street-office objects: org units are readable by every caller; their escalations by the
# street office and the unit's own officers (others 403, A2: the object is visible); users
# are managed by street_admin only (A3).
ORGANISATION: dict[tuple[str, str], int] = {
    ("GET", "/api/v1/org-units/{org_unit_id}"): 200,
    ("GET", "/api/v1/org-units/{org_unit_id}/escalations"): 403,
    ("POST", "/api/v1/org-units/{org_unit_id}/escalations"): 403,
    ("GET", "/api/v1/users/{user_id}"): 403,
    ("PATCH", "/api/v1/users/{user_id}"): 403,
    # group robots: the street office sets them, the unit's own officers may read them
    ("GET", "/api/v1/org-units/{org_unit_id}/robots"): 403,
    ("PUT", "/api/v1/org-units/{org_unit_id}/robots/{channel}"): 403,
    ("DELETE", "/api/v1/org-units/{org_unit_id}/robots/{channel}"): 403,
    # the reminder rules are the street's settings, managed by street_admin alone (R1)
    ("GET", "/api/v1/reminder-rules/{code}"): 403,
    ("PATCH", "/api/v1/reminder-rules/{code}"): 403,
}
# Reference data (K1, K3): the criteria library and the checklists are read by every caller;
# a checklist is changed only by street_admin and its sectors' lead departments (others 403,
# the object is visible); its statistics count only the caller's visible inspections.
REFERENCE: dict[tuple[str, str], int] = {
    ("GET", "/api/v1/criteria/{criterion_code}"): 200,
    ("GET", "/api/v1/checklists/{checklist_id}"): 200,
    ("PUT", "/api/v1/checklists/{checklist_id}"): 403,
    ("GET", "/api/v1/checklists/{checklist_id}/stats"): 200,
}
ADMIN_ONLY = {"user_id", "code"}


class Objects:
    """One object of each kind, made by street_admin, all of enterprise E (village 1,
    hazardous chemicals, led by 应急管理) or addressed to village 1."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.street = server.street
        self.admin = server.street.auth("admin")
        self.client = httpx.Client(base_url=server.base_url, timeout=30)
        self.made: dict[str, dict[str, Any]] = {}

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        r = self.client.post(API + path, json=body, headers=self.admin)
        assert r.status_code == 201, (path, r.text)
        return r.json()

    def get(self, path: str) -> dict[str, Any]:
        r = self.client.get(API + path, headers=self.admin)
        assert r.status_code == 200, (path, r.text)
        return r.json()

    def enterprise(self) -> dict[str, Any]:
        return self.get(f"/enterprises/{self.street.ids['e1']}")

    def hazard(self) -> dict[str, Any]:
        return self.post("/hazards", {
            "enterprise_id": self.street.ids["e1"], "grade": "major", "source": "patrol",
            "title": "越权测试隐患-储罐区报警器失效", "description": "只有本企业与主管部门可见",
            "discovered_on": str(today() - timedelta(days=2)),
        })

    def inspection(self) -> dict[str, Any]:
        return self.post("/inspections", {
            "enterprise_id": self.street.ids["e1"], "kind": "enforcement", "performed_on": str(today()),
            "inspector": "越权测试检查员", "notes": "越权测试检查记录",
        })

    def drill(self) -> dict[str, Any]:
        return self.post("/drills", {
            "enterprise_id": self.street.ids["e1"], "kind": "fire", "held_on": str(today()), "participants": 31,
            "scenario": "越权测试演练场景",
        })

    def training(self) -> dict[str, Any]:
        return self.post("/trainings", {
            "enterprise_id": self.street.ids["e1"], "trainee_role": "safety_manager", "trainee_name": "越权测试学员",
            "topic": "越权测试培训主题", "held_on": str(today()), "hours": "3.5", "passed": True,
        })

    def attachment(self) -> dict[str, Any]:
        r = self.client.post(API + "/attachments", files={"file": ("bola-evidence.png", PNG, "image/png")}, headers=self.admin)
        assert r.status_code == 201, r.text
        attachment = r.json()
        # Referenced by a hazard of E: readable by whoever sees E, by no one else.
        self.post("/hazards", {
            "enterprise_id": self.street.ids["e1"], "grade": "general", "source": "patrol",
            "title": "越权测试附件隐患", "discovered_on": str(today()), "attachment_ids": [attachment["id"]],
        })
        return attachment

    def ledger_import(self) -> dict[str, Any]:
        code = self.enterprise()["credit_code"]
        content = f"统一社会信用代码,演练类型,演练日期,参演人数\n{code},疏散演练,{today()},12\n".encode()
        # uploaded by E's village officer: visible to the street office and to that village's officers
        r = self.client.post(API + "/imports", data={"kind": "drills"}, files={"file": ("越权测试.csv", content, "text/csv")},
                             headers=self.street.auth("village1"))
        assert r.status_code == 201, r.text
        return r.json()

    def report(self) -> dict[str, Any]:
        r = self.client.post(API + "/public/reports", json={
            "description": "越权测试举报内容", "location": "越权测试地点", "village_id": self.street.ids["v1"],
            "contact": {"name": "越权测试举报人", "phone": "13912345678"},
        })
        assert r.status_code == 201, r.text
        reports = self.get("/reports?limit=200")["items"]
        return next(x for x in reports if x["description"] == "越权测试举报内容" and x["status"] == "received")

    def task(self) -> dict[str, Any]:
        return self.post("/supervision-tasks", {
            "kind": "ad_hoc", "title": "越权测试督办任务", "description": "交给一村",
            "assignee_org_unit_id": self.street.ids["v1"], "due_on": str(today() + timedelta(days=20)),
        })

    def checklist(self) -> dict[str, Any]:
        return self.post("/checklists", {
            "name": "越权测试检查表", "sectors": ["hazardous_chemicals"],
            "items": [{"text": "越权测试检查项-储罐区报警器完好"}],
        })

    def criterion(self) -> dict[str, Any]:
        criterion = self.get("/criteria?sector=hazardous_chemicals&limit=1")["items"][0]
        return {"id": criterion["code"]}

    def notification(self) -> dict[str, Any]:
        """H8's text message to E's principal: visible to those who see the hazard."""
        hazard = self.hazard()
        items = self.get(f"/hazards/{hazard['id']}/notifications")["items"]
        return next(n for n in items if n["recipient"]["role"] == "principal")

    def subscription(self) -> dict[str, Any]:
        """A subscription of E's village officer (the street office's admin sees it too)."""
        r = self.client.post(API + "/webhook-subscriptions", headers=self.street.auth("village1"), json={
            "url": "http://127.0.0.1:9/bola-hook", "event_types": ["hazard.created"], "description": "越权测试订阅",
        })
        assert r.status_code == 201, r.text
        return r.json()

    def escalation_proposal(self) -> dict[str, Any]:
        """R3: a major hazard of E overdue by 10 days, and the daily job run by hand."""
        import subprocess
        import sys

        hazard = self.post("/hazards", {
            "enterprise_id": self.street.ids["e1"], "grade": "major", "source": "patrol",
            "title": "越权测试逾期重大隐患", "discovered_on": str(today() - timedelta(days=20)),
        })
        r = self.client.post(API + f"/hazards/{hazard['id']}/plan", headers=self.admin, json={
            "responsible_person": "越权测试负责人", "measures": "越权测试措施", "funds": "1000.00",
            "deadline": str(today() - timedelta(days=10)), "contingency_plan": "越权测试预案",
            "effective_on": str(today() - timedelta(days=19)),
        })
        assert r.status_code == 200, r.text
        done = subprocess.run([sys.executable, "-m", "app.cli", "run-scheduled", "escalation-proposals"],
                              env=self.server.env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        proposals = self.get(f"/escalation-proposals?hazard_id={hazard['id']}")["items"]
        assert proposals, done.stdout
        return proposals[0]

    def reminder_rule(self) -> dict[str, Any]:
        rule = self.get("/reminder-rules/hazard_deadline")
        return {**rule, "id": rule["code"]}

    def org_unit(self) -> dict[str, Any]:
        return self.get(f"/org-units/{self.street.ids['v1']}")

    def user(self) -> dict[str, Any]:
        n = len(self.made)
        return self.post("/users", {
            "username": f"bola_user_{n}_{self.street.ids['v1'][-6:]}", "password": "bola-password-1",
            "role": "village_officer", "org_unit_id": self.street.ids["v1"], "display_name": "越权测试用户",
        })


# How to make the object a path's id names. A new kind of id must be added here.
FACTORIES = {
    "enterprise_id": Objects.enterprise,
    "hazard_id": Objects.hazard,
    "inspection_id": Objects.inspection,
    "drill_id": Objects.drill,
    "training_id": Objects.training,
    "attachment_id": Objects.attachment,
    "import_id": Objects.ledger_import,
    "report_id": Objects.report,
    "task_id": Objects.task,
    "proposal_id": Objects.escalation_proposal,
    "code": Objects.reminder_rule,
    "org_unit_id": Objects.org_unit,
    "user_id": Objects.user,
    "checklist_id": Objects.checklist,
    "criterion_code": Objects.criterion,
    "notification_id": Objects.notification,
    "subscription_id": Objects.subscription,
}


def id_calls() -> list[tuple[str, str, str]]:
    """(method, path, id parameter) for every operation on a path with an id."""
    import json

    contract = json.loads(COMMITTED.read_text(encoding="utf-8"))
    calls = []
    for method, path, _op in operations(contract):
        names = re.findall(r"{(\w+)}", path)
        if names and names[0] not in PUBLIC:
            calls.append((method, path, names[0]))
    return calls


CALLS = id_calls()


def test_every_kind_of_id_has_a_factory():
    missing = sorted({name for _, _, name in CALLS if name not in FACTORIES})
    assert missing == [], f"add a factory to tests/contract/test_bola.py for {missing}"


def test_the_contract_has_id_paths_of_every_kind():
    assert {name for _, _, name in CALLS} == set(FACTORIES)
    assert len(CALLS) >= 30


@pytest.fixture(scope="module")
def objects(server: LiveServer):  # type: ignore[no-untyped-def]
    made = Objects(server)
    yield made
    made.client.close()


def _object(objects: Objects, kind: str) -> dict[str, Any]:
    if kind not in objects.made:
        objects.made[kind] = FACTORIES[kind](objects)
    return objects.made[kind]


def _values(obj: Any) -> set[str]:
    """The object's own data: every string in it of some length (ids, names, titles)."""
    if isinstance(obj, dict):
        return set().union(*(_values(v) for v in obj.values())) if obj else set()
    if isinstance(obj, list):
        return set().union(*(_values(v) for v in obj)) if obj else set()
    return {obj} if isinstance(obj, str) and len(obj) >= 4 else set()


@pytest.mark.parametrize("who", sorted(OUTSIDERS))
@pytest.mark.parametrize("method,path,kind", CALLS, ids=[f"{m} {p}" for m, p, _ in CALLS])
def test_a2_outsiders_get_404_without_data(objects: Objects, contract, method, path, kind, who):
    obj = _object(objects, kind)
    url = path.replace("{" + kind + "}", obj["id"])
    op = contract["paths"][path][method.lower()]
    for p in op.get("parameters", []):  # a second path parameter (a delivery id, a channel): its example
        if p["in"] == "path" and p["name"] != kind:
            url = url.replace("{" + p["name"] + "}", str(p["example"]))
    body = request_body(op, contract, ids={"enterprise_id": objects.street.ids["e1"]})
    headers = objects.street.auth(OUTSIDERS[who])
    r = objects.client.request(method, url, json=body, headers=headers)
    expected = ORGANISATION.get((method, path)) or REFERENCE.get((method, path), 404)
    assert r.status_code == expected, (method, url, who, r.status_code, r.text)
    if expected == 200:
        return  # visible to every caller by design
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers
    leaked = {v for v in _values(obj) if v in r.text and v not in url}
    assert leaked == set(), (method, url, who, leaked, r.text)


GETS = [(m, p, k) for m, p, k in CALLS if m == "GET"]


@pytest.mark.parametrize("method,path,kind", GETS, ids=[p for _, p, _ in GETS])
def test_a1_the_objects_are_visible_to_their_own_people(objects: Objects, method, path, kind):
    """The control: the same calls succeed for street_admin and for E's own village officer
    (for users: street_admin only), so the 404s above are the scope's doing."""
    obj = _object(objects, kind)
    url = path.replace("{" + kind + "}", obj["id"])
    assert objects.client.get(url, headers=objects.street.auth("admin")).status_code == 200, url
    if kind not in ADMIN_ONLY:
        r = objects.client.get(url, headers=objects.street.auth("village1"))
        assert r.status_code == 200, (url, r.text)
