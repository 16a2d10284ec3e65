"""Chinese labels an official expects to read (statistics, exports, imports, messages): one
table per enumeration, keyed by the code."""

from app.domain.sectors import SECTORS

GRADE_LABELS = {"major": "重大", "general": "一般"}
SOURCE_LABELS = {
    "self_inspection": "自查",
    "supervision": "督导检查",
    "enforcement": "执法检查",
    "patrol": "巡查",
    "public_report": "群众举报",
    "other": "其他",
}
STATUS_LABELS = {
    "reported": "已上报",
    "rectifying": "整改中",
    "pending_review": "待审核",
    "closed": "已销号",
    "void": "已作废",
}

# --- the other enumerations, one table each (imports accept the label or the code) ------

ENTERPRISE_STATUS_LABELS = {"active": "正常", "suspended": "停产整顿", "closed": "关闭取缔"}
TAG_LABELS = {
    "hospital_grade2": "二级医院",
    "hospital_grade3": "三级医院",
    "dust_explosion": "粉尘涉爆",
    "ammonia_refrigeration": "涉氨制冷",
    "confined_space": "有限空间",
    "large_commercial_complex": "大型商业综合体",
}
STANDARDIZATION_LABELS = {"none": "未达标", "3": "三级", "2": "二级", "1": "一级"}
SECTOR_LABELS = {s.code: s.name for s in SECTORS}
INSPECTION_KIND_LABELS = {
    "principal_self": "主要负责人带队自查",
    "village_patrol": "村居巡查",
    "department": "部门检查",
    "enforcement": "执法检查",
    "supervision": "督导检查",
}
DRILL_KIND_LABELS = {
    "evacuation": "疏散演练",
    "fire": "消防演练",
    "hazardous_chemical_leak": "危化品泄漏演练",
    "confined_space_rescue": "有限空间救援演练",
    "special_equipment": "特种设备演练",
    "other": "其他",
}
TRAINEE_ROLE_LABELS = {
    "principal": "主要负责人",
    "fire_safety_responsible": "消防安全责任人",
    "safety_manager": "安全管理人员",
    "special_operations": "特种作业人员",
    "employee": "从业人员",
}
TASK_KIND_LABELS = {
    "supervision_round": "督导检查",
    "hazard_oversight": "隐患督办",
    "plan_measure": "工作措施",
    "ad_hoc": "临时任务",
}
# K4 安全风险分级: the four colours.
RISK_LEVEL_LABELS = {"red": "重大风险", "orange": "较大风险", "yellow": "一般风险", "blue": "低风险"}
RISK_COLOUR_LABELS = {"red": "红色", "orange": "橙色", "yellow": "黄色", "blue": "蓝色"}
# R3 / H9 (函告、通报、约谈、曝光; 挂牌督办).
ESCALATION_STEP_LABELS = {
    "letter": "函告",
    "circular": "通报",
    "interview": "约谈",
    "exposure": "曝光",
    "listing": "挂牌督办",
}
TARGET_LABELS = {
    "stock_cleared": "存量重大事故隐患清零",
    "increment_reduced": "增量重大事故隐患下降",
    "dynamic_zero": "重大事故隐患动态清零",
}
TARGET_STATUS_LABELS = {"met": "已达成", "on_track": "按计划推进", "at_risk": "存在风险", "missed": "未达成"}
CHECK_RESULT_LABELS = {"pass": "合格", "fail": "不合格", "not_applicable": "不适用"}
CHANNEL_LABELS = {"in_app": "站内消息", "sms": "短信", "email": "电子邮件", "wecom": "企业微信", "dingtalk": "钉钉"}
REMINDER_RULE_LABELS = {
    "hazard_deadline": "隐患整改期限临近提醒",
    "hazard_overdue": "隐患整改逾期提醒",
    "c1_period_end": "主要负责人带队检查到期提醒",
    "c2_period_end": "应急疏散演练到期提醒",
    "task_due": "督导任务到期提醒",
    "task_overdue": "督导任务逾期提醒",
    "targets_weekly": "年度目标每周通报",
}
RECIPIENT_LABELS = {
    "enterprise_principal": "企业主要负责人",
    "enterprise_users": "企业用户",
    "village_officers": "属地村居工作人员",
    "lead_department_officers": "行业牵头部门工作人员",
    "street_office": "街道安委会办公室",
    "assignee_unit_users": "承办单位工作人员",
    "street_admins": "街道管理员",
}
YES_NO_LABELS = {True: "是", False: "否"}
