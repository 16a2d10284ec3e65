"""Examples of the contract: one small street from the demo data set (app/db/demo.py), with
ids that fit together, so that a reader can follow a hazard from its enterprise in
【演示】东湖村 to its sign-off. The schemas quote these in `examples`; the linters check every
example against its schema."""

from __future__ import annotations

from typing import Any

STREET_OFFICE_ID = "0193a5c0-0a01-7000-8000-00000000a001"
EMERGENCY_DEPT_ID = "0193a5c0-0a02-7000-8000-00000000a002"
HOUSING_DEPT_ID = "0193a5c0-0a03-7000-8000-00000000a003"
VILLAGE_ID = "0193a5c0-1a2b-7c3d-8e4f-5a6b7c8d9e01"
ENTERPRISE_ID = "0193a5c0-2b3c-7d4e-9f5a-6b7c8d9e0f12"
HAZARD_ID = "0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d"
INSPECTION_ID = "0193a5c1-0c4d-7e5f-8a6b-7c8d9e0f1a23"
DRILL_ID = "0193a5c1-1d5e-7f6a-9b7c-8d9e0f1a2b34"
TRAINING_ID = "0193a5c1-2e6f-7a7b-8c8d-9e0f1a2b3c45"
TASK_ID = "0193a5c1-3f7a-7b8c-9d9e-0f1a2b3c4d56"
REFERRAL_ID = "0193a5c1-4a8b-7c9d-8e0f-1a2b3c4d5e67"
REPORT_ID = "0193a5c1-5b9c-7d0e-9f1a-2b3c4d5e6f78"
ATTACHMENT_ID = "0193a5c1-6c0d-7e1f-8a2b-3c4d5e6f7a89"
ESCALATION_ID = "0193a5c1-7d1e-7f2a-9b3c-4d5e6f7a8b9a"
ADMIN_ID = "0193a5c0-0b01-7000-8000-00000000b001"
VILLAGE_OFFICER_ID = "0193a5c0-0b05-7000-8000-00000000b005"
ENTERPRISE_USER_ID = "0193a5c0-0b06-7000-8000-00000000b006"
TRACKING_CODE = "q3Hk9Wc2TzR8vYbN1pLxEu7s"
SHA256 = "3b7f0b1c9d2e4a5f6b8c7d9e0a1b2c3d4e5f60718293a4b5c6d7e8f9012a3b4c"

VILLAGE_NAME = "【演示】东湖村"
ENTERPRISE_NAME = "【演示】东湖化工005有限公司"
CREDIT_CODE = "91340100MA2N0K1X2B"
CREATED_AT = "2025-03-02T09:15:27.412+08:00"
UPDATED_AT = "2025-04-28T16:40:03.118+08:00"

PERSON = {"name": "王强", "phone": "13800138000"}
CONTROLLER = {"name": "王建国", "phone": "13900139000"}

ENTERPRISE: dict[str, Any] = {
    "id": ENTERPRISE_ID,
    "name": ENTERPRISE_NAME,
    "credit_code": CREDIT_CODE,
    "village_id": VILLAGE_ID,
    "sector": "hazardous_chemicals",
    "high_risk": True,
    "status": "active",
    "registered_on": "2019-05-10",
    "tags": ["confined_space"],
    "principal": PERSON,
    "actual_controller": CONTROLLER,
    "address": "东湖村工业园区三路12号",
    "standardization_level": "3",
    "benchmark": False,
    "location": {"lng": 117.2272, "lat": 31.8206},
    "created_at": CREATED_AT,
    "updated_at": UPDATED_AT,
}

PLAN = {
    "responsible_person": "李明",
    "measures": "更换可燃气体报警器并与紧急切断阀联锁",
    "funds": "12000.00",
    "deadline": "2025-04-30",
    "contingency_plan": "停用储罐区，设置警戒区，专人值守",
}

HAZARD: dict[str, Any] = {
    "id": HAZARD_ID,
    "enterprise_id": ENTERPRISE_ID,
    "village_id": VILLAGE_ID,
    "sector": "hazardous_chemicals",
    "grade": "major",
    "source": "supervision",
    "title": "储罐区可燃气体报警器失效",
    "description": "2号储罐区可燃气体报警器无响应，未与切断阀联锁",
    "criterion_ref": "化工和危险化学品生产经营单位重大生产安全事故隐患判定标准 第十条",
    "criterion_code": "HGWH-2017-10",
    "location": "2号储罐区",
    "discovered_on": "2025-03-02",
    "status": "rectifying",
    "status_effective_on": "2025-03-05",
    "deadline": "2025-04-30",
    "overdue": False,
    "extensions": 0,
    "plan": PLAN,
    "evidence": None,
    "listed": False,
    "notified_at": CREATED_AT,
    "closed_on": None,
    "inspection_id": None,
    "report_id": None,
    "allowed_actions": ["submit", "void", "extend"],
    "created_at": CREATED_AT,
    "updated_at": UPDATED_AT,
}

HISTORY = [
    {
        "id": 1201, "at": CREATED_AT, "effective_on": "2025-03-02", "actor_id": ADMIN_ID, "actor_role": "street_admin",
        "action": "create", "from_status": None, "to_status": "reported", "comment": None, "deadline": None,
    },
    {
        "id": 1207, "at": "2025-03-05T10:02:11.031+08:00", "effective_on": "2025-03-05", "actor_id": ADMIN_ID,
        "actor_role": "street_admin", "action": "plan", "from_status": "reported", "to_status": "rectifying",
        "comment": "按五要素制定整改方案", "deadline": "2025-04-30",
    },
]

ESCALATION = {
    "id": ESCALATION_ID,
    "hazard_id": HAZARD_ID,
    "org_unit_id": None,
    "kind": "letter",
    "note": "整改进度滞后，函告企业主要负责人",
    "effective_on": "2025-04-10",
    "created_by": ADMIN_ID,
    "created_at": "2025-04-10T08:30:00+08:00",
}

INSPECTION = {
    "id": INSPECTION_ID,
    "enterprise_id": ENTERPRISE_ID,
    "village_id": VILLAGE_ID,
    "sector": "hazardous_chemicals",
    "kind": "principal_self",
    "performed_on": "2025-04-08",
    "led_by_principal": True,
    "inspector": "王强",
    "notes": "季度主要负责人带队检查",
    "findings_count": 1,
    "hazard_ids": [HAZARD_ID],
    "checklist_id": None,
    "item_results": [],
    "created_at": "2025-04-08T15:20:44.905+08:00",
}

DRILL = {
    "id": DRILL_ID,
    "enterprise_id": ENTERPRISE_ID,
    "village_id": VILLAGE_ID,
    "sector": "hazardous_chemicals",
    "kind": "evacuation",
    "held_on": "2025-05-12",
    "participants": 86,
    "scenario": "二楼配电间起火，全员疏散至东侧广场",
    "notes": None,
    "created_by": ENTERPRISE_USER_ID,
    "created_at": "2025-05-12T17:05:12.300+08:00",
}

TRAINING = {
    "id": TRAINING_ID,
    "enterprise_id": ENTERPRISE_ID,
    "village_id": VILLAGE_ID,
    "sector": "hazardous_chemicals",
    "trainee_role": "principal",
    "trainee_name": "王强",
    "topic": "主要负责人安全生产知识和管理能力培训",
    "held_on": "2025-03-20",
    "hours": "8.0",
    "passed": True,
    "created_by": ENTERPRISE_USER_ID,
    "created_at": "2025-03-20T18:00:00+08:00",
}

REFERRAL = {
    "id": REFERRAL_ID,
    "task_id": TASK_ID,
    "referred_to": "区纪委监委",
    "subject": "东湖村督导整改不力问题",
    "facts": "督导发现的三处重大隐患逾期未整改",
    "referred_on": "2025-07-02",
    "created_by": ADMIN_ID,
    "created_at": "2025-07-02T11:00:00+08:00",
}

TASK = {
    "id": TASK_ID,
    "kind": "supervision_round",
    "title": "2025年上半年东湖村安全生产督导",
    "description": "对东湖村开展半年度督导，覆盖危险化学品企业",
    "assignee_org_unit_id": VILLAGE_ID,
    "target_org_unit_id": VILLAGE_ID,
    "hazard_id": None,
    "due_on": "2025-06-30",
    "status": "submitted",
    "report": "已完成对辖区12家企业的督导，发现隐患3处",
    "review_comment": None,
    "submitted_at": "2025-06-25T16:12:00+08:00",
    "completed_on": None,
    "overdue": False,
    "allowed_actions": ["accept", "return"],
    "referrals": [],
    "hazard_ids": [HAZARD_ID],
    "created_by": ADMIN_ID,
    "created_at": "2025-06-01T09:00:00+08:00",
    "updated_at": "2025-06-25T16:12:00+08:00",
}

REPORT = {
    "id": REPORT_ID,
    "status": "substantiated",
    "description": "某厂房内堆放大量油漆桶，消防通道被堵塞",
    "location": "东湖村工业园区三路12号",
    "enterprise_name": "某某家具厂",
    "village_id": VILLAGE_ID,
    "contact": None,
    "received_at": "2025-06-03T20:41:09+08:00",
    "verified_at": "2025-06-05T10:30:00+08:00",
    "verified_by": VILLAGE_OFFICER_ID,
    "verification_note": "现场核查属实，消防通道堵塞",
    "hazard_id": HAZARD_ID,
    "reward_eligible": True,
}

ATTACHMENT = {
    "id": ATTACHMENT_ID,
    "sha256": SHA256,
    "content_type": "image/jpeg",
    "size": 482113,
    "filename": "储罐区报警器更换后.jpg",
    "created_at": "2025-04-28T16:35:51+08:00",
}

ORG_UNIT = {
    "id": VILLAGE_ID, "kind": "village", "name": VILLAGE_NAME, "code": "demo-village-1", "lead_sectors": [],
    "created_at": "2024-02-01T09:00:00+08:00",
}
DEPARTMENT = {
    "id": EMERGENCY_DEPT_ID, "kind": "department", "name": "应急管理", "code": "emergency_management",
    "lead_sectors": ["hazardous_chemicals", "industry_trade"], "created_at": "2024-02-01T09:00:00+08:00",
}

USER = {
    "id": VILLAGE_OFFICER_ID,
    "username": "village_donghu",
    "role": "village_officer",
    "org_unit_id": VILLAGE_ID,
    "enterprise_id": None,
    "display_name": "【演示】village_donghu",
    "is_active": True,
    "created_at": "2024-02-01T09:00:00+08:00",
}

OBLIGATION_SUMMARY = {
    "applicable": 186, "done": 141, "due": 45, "not_applicable": 14, "with_missed": 23, "missed_periods": 31,
    "rate": 0.758,
}
COMPLIANCE_SUMMARY = {
    "enterprises": 200,
    "principal_inspection": OBLIGATION_SUMMARY,
    "drill": {"applicable": 186, "done": 120, "due": 66, "not_applicable": 14, "with_missed": 9,
              "missed_periods": 9, "rate": 0.645},
}
SUPERVISION_SUMMARY = {"units": 18, "done": 15, "due": 3, "with_missed": 1, "coverage": 0.833}
TARGETS = [
    {"code": "stock_cleared", "year": 2024, "status": "met",
     "figures": {"stock_total": 42, "open_stock": 0, "closed_by_deadline": 42, "open_at_deadline": 0,
                 "overdue_open_stock": 0}},
    {"code": "increment_reduced", "year": 2025, "status": "on_track",
     "figures": {"count_ytd": 17, "count_prev_same_dates": 25}},
    {"code": "dynamic_zero", "year": 2026, "status": "at_risk",
     "figures": {"open_major": 2, "overdue_open_major": 1, "overdue_open_major_at_year_end": 0}},
]
ENTERPRISE_COMPLIANCE = {
    "enterprise_id": ENTERPRISE_ID,
    "name": ENTERPRISE_NAME,
    "village_id": VILLAGE_ID,
    "sector": "hazardous_chemicals",
    "high_risk": True,
    "status": "active",
    "principal_inspection": {"period": "2025-06", "status": "due", "missed_periods": 1},
    "drill": {"period": "2025-H1", "status": "done", "missed_periods": 0},
}
UNIT_SUPERVISION = {
    "org_unit_id": VILLAGE_ID, "name": VILLAGE_NAME, "kind": "village", "period": "2025-H1", "status": "done",
    "missed_periods": 0, "missed": [],
}
UNCOVERED = {"enterprise_id": ENTERPRISE_ID, "name": ENTERPRISE_NAME, "village_id": VILLAGE_ID, "sector": "industry_trade"}
STATS_ROW = {
    "key": VILLAGE_ID, "label": VILLAGE_NAME, "total": 38, "open": 6, "overdue": 1, "closed": 30, "void": 2,
    "closure_rate": 0.833, "median_days_to_close": 21.5,
}
GROUP_FIGURES = {
    "key": VILLAGE_ID, "label": VILLAGE_NAME, "open_major": 1, "overdue_major": 0,
    "principal_inspection_rate": 0.8, "drill_rate": 0.65, "targets": TARGETS,
}
PHASES = [
    {"code": "mobilization", "name": "动员部署阶段", "starts_on": "2024-02-01", "ends_on": "2024-04-30", "status": "past"},
    {"code": "special_rectification", "name": "专项治理阶段", "starts_on": "2024-05-01", "ends_on": "2025-12-31",
     "status": "current"},
    {"code": "consolidation", "name": "巩固提升阶段", "starts_on": "2026-01-01", "ends_on": "2026-09-30",
     "status": "upcoming"},
    {"code": "evaluation", "name": "总结评估阶段", "starts_on": "2026-10-01", "ends_on": "2026-12-31", "status": "upcoming"},
]
EVENT = {
    "id": 1025, "type": "hazard.status_changed", "at": "2025-03-05T10:02:11.031+08:00", "resource": "hazard",
    "resource_id": HAZARD_ID, "data": {"from": "reported", "to": "rectifying", "action": "plan"},
}
AUDIT_ENTRY = {
    "id": 5120, "seq": 5120, "at": "2025-03-05T10:02:11.031+08:00", "actor_id": ADMIN_ID, "actor_role": "street_admin",
    "org_unit_id": STREET_OFFICE_ID, "client_address": "10.20.3.41", "request_id": "9f1c2e7a4b6d8c0e1a2b3c4d",
    "method": "POST", "path": f"/api/v1/hazards/{HAZARD_ID}/plan", "action": "hazard.plan", "resource": "hazards",
    "resource_id": HAZARD_ID,
    "status_code": 200, "prev_hash": "5d41402abc4b2a76b9719d911017c592ae2b8e1f0a9c3d7e6b5a4f3e2d1c0b9a",
    "hash": "7b52009b64fd0a2a49e6d8a939753077792b0554e8c1f0a9d3b7c6e5f4a3b2c1",
}

CHECKLIST_ITEM_ID = "0193a5c0-6a2b-7c3d-8e4f-5a6b7c8d9e02"
ITEM_RESULT = {
    "item_id": CHECKLIST_ITEM_ID,
    "text": "未对有限空间进行辨识、建立安全管理台账，并且未设置明显的安全警示标志的",
    "criterion_code": "GMQY-2023-13-1",
    "grade": "major",
    "result": "fail",
    "note": "东侧污水池无警示标志",
    "attachment_ids": [],
    "hazard_id": "0193a5c1-1b2c-7d3e-8f4a-5b6c7d8e9f00",
}

NOTIFICATION_ID = "0193a5c2-5b9c-7d0e-8f1a-2b3c4d5e6f70"
WEBHOOK_SUBSCRIPTION_ID = "0193a5c2-6cad-7e1f-9a2b-3c4d5e6f7081"
WEBHOOK_DELIVERY_ID = "0193a5c2-7dbe-7f2a-8b3c-4d5e6f708192"
NOTIFICATION = {
    "id": NOTIFICATION_ID,
    "recipient": {"user_id": None, "name": "王强", "role": "principal", "address": "138****8000", "org_unit_id": None},
    "channel": "sms",
    "text": "王强（主要负责人）：合肥精工机械有限公司2025年6月16日被登记重大事故隐患“粉尘涉爆除尘系统未接地”，请立即组织整改。",
    "title": None,
    "status": "sent",
    "attempts": 1,
    "last_error": None,
    "next_attempt_at": None,
    "cause": {"rule": "major_hazard", "resource": "hazards", "resource_id": HAZARD_ID},
    "created_at": "2025-06-16T02:00:00Z",
    "sent_at": "2025-06-16T02:00:03Z",
    "read_at": None,
}
WEBHOOK_SUBSCRIPTION = {
    "id": WEBHOOK_SUBSCRIPTION_ID,
    "url": "https://district.example.gov.cn/anquan/webhook",
    "event_types": ["hazard.created", "hazard.status_changed"],
    "description": "区应急局隐患台账同步",
    "status": "active",
    "disabled_reason": None,
    "created_by": VILLAGE_OFFICER_ID,
    "created_at": "2025-06-16T02:00:00Z",
    "updated_at": "2025-06-16T02:00:00Z",
}
WEBHOOK_DELIVERY = {
    "id": WEBHOOK_DELIVERY_ID,
    "webhook_id": "msg_0193a5c27dbe7f2a8b3c4d5e6f708192",
    "event_id": 1025,
    "event_type": "hazard.created",
    "status": "delivered",
    "attempts": 3,
    "last_status_code": 200,
    "last_error": None,
    "next_attempt_at": None,
    "last_attempt_at": "2025-06-16T02:00:40Z",
    "delivered_at": "2025-06-16T02:00:40Z",
}

ENTERPRISE_DIFFERENTIATED = {
    "enterprise_id": ENTERPRISE_ID,
    "name": ENTERPRISE_NAME,
    "village_id": VILLAGE_ID,
    "sector": "hazardous_chemicals",
    "status": "active",
    "risk_level": "yellow",
    "kind": "half_year",
    "differentiated_inspection": {"period": "2025-H2", "status": "due", "missed_periods": 1, "missed": ["2025-04"]},
}
