"""Chinese labels an official expects to read (statistics, exports)."""

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
