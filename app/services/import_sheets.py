"""The spreadsheets of imports (I1, I2): the template of a kind, and the failing rows of an
import with an error column, which re-imports as it is once fixed. openpyxl, synchronous:
callers run these in a worker thread."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from app.domain import imports as rules

SHEET_NAMES = {
    rules.ImportKind.enterprises: "单位台账",
    rules.ImportKind.hazards: "隐患台账",
    rules.ImportKind.inspections: "检查记录",
    rules.ImportKind.drills: "演练记录",
    rules.ImportKind.trainings: "培训记录",
}
_REQUIRED = PatternFill("solid", fgColor="FCE4D6")
_OPTIONAL = PatternFill("solid", fgColor="EDEDED")
_TEMPLATE_ROWS = 5000  # rows the dropdowns cover


def _notes(kind: rules.ImportKind) -> list[str]:
    enterprise_ref = (
        "“统一社会信用代码”和“所属单位”至少填写一项；两项都填时以统一社会信用代码为准。单位须已登记，且在您的管辖范围内。"
    )
    lines = [
        "使用说明",
        "1. 在第一个工作表中逐行填写，第1行为表头，请勿修改表头文字；不需要的可选列可以删除，列的顺序可以调整。",
        "2. 橙色表头为必填列，灰色表头为可选列。带下拉箭头的列请从下拉列表中选择。",
        "3. 日期可写作 2024-03-01、2024/3/1、2024.3.1 或 2024年3月1日，也可以使用Excel日期格式。",
        "4. 文件可保存为 .xlsx，或 UTF-8 / GBK 编码的 .csv；不接受含宏的文件（.xlsm）。",
        "5. 上传后系统先逐行校验，不写入任何数据；请在预览中查看错误，下载错误行修改后重新上传，确认无误后再提交导入。",
        "6. 同一文件只会导入一次。",
    ]
    if kind is rules.ImportKind.enterprises:
        lines.append("7. “所属村居”填写村（居）名称；统一社会信用代码已登记的单位视为重复，不会再次导入。")
    else:
        lines.append("7. " + enterprise_ref)
    if kind is rules.ImportKind.hazards:
        lines.append(
            "8. 表头与隐患台账导出文件相同，导出的文件可以直接导入。状态为“已销号”时须填写销号日期；“整改中”“待审核”“已销号”"
            "须填写整改责任人和整改期限。导入的隐患按台账中的发现日期、销号日期记入历史。“是否逾期”由系统计算，导入时不读取。"
        )
    return lines


def template(kind: rules.ImportKind, villages: Sequence[str]) -> bytes:
    """I1: the headers (the export's, for hazards), a dropdown for every enumeration with
    its Chinese labels (and the villages), an instructions sheet with an example row."""
    columns = rules.COLUMNS[kind]
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_NAMES[kind]
    choices = wb.create_sheet("选项")
    choices.sheet_state = "hidden"
    notes = wb.create_sheet("填写说明")
    lists: list[tuple[str, Sequence[str]]] = []
    for index, column in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=index, value=column.header)
        cell.font = Font(bold=True)
        cell.fill = _REQUIRED if column.required else _OPTIONAL
        cell.alignment = Alignment(horizontal="center")
        ws.column_dimensions[get_column_letter(index)].width = max(12, min(40, len(column.header) * 2 + 4))
        if column.ignored:
            cell.comment = Comment("由系统计算，导入时不读取", "Anquan")
        values: Sequence[str] = column.choices
        if column.field == "village_name" and villages:
            values = villages
        if values:
            lists.append((column.header, values))
            list_col = get_column_letter(len(lists))
            choices.cell(row=1, column=len(lists), value=column.header)
            for n, value in enumerate(values, start=2):
                choices.cell(row=n, column=len(lists), value=value)
            validation = DataValidation(
                type="list", formula1=f"=选项!${list_col}$2:${list_col}${len(values) + 1}", allow_blank=True,
            )
            # several tags go in one cell (、 between them): a hint, not a refusal
            multi = column.field == "tags"
            validation.showErrorMessage = not multi
            validation.errorTitle = "无效的取值"
            validation.error = "请从下拉列表中选择"
            validation.promptTitle = column.header
            validation.prompt = "可填写多项，用“、”分隔" if multi else "请从下拉列表中选择"
            validation.showInputMessage = True
            letter = get_column_letter(index)
            validation.add(f"{letter}2:{letter}{_TEMPLATE_ROWS}")
            ws.add_data_validation(validation)
    ws.freeze_panes = "A2"
    for n, line in enumerate(_notes(kind), start=1):
        notes.cell(row=n, column=1, value=line).font = Font(bold=(n == 1))
    notes.column_dimensions["A"].width = 120
    start = len(_notes(kind)) + 2
    notes.cell(row=start, column=1, value="填写示例（复制到第一个工作表中使用）：").font = Font(bold=True)
    for index, column in enumerate(columns, start=1):
        notes.cell(row=start + 1, column=index, value=column.header).font = Font(bold=True)
        notes.cell(row=start + 2, column=index, value=column.example or None)
    notes.cell(row=start + 4, column=1, value="各列说明：").font = Font(bold=True)
    for n, column in enumerate(columns, start=start + 5):
        kind_text = "必填" if column.required else ("不读取" if column.ignored else "可选")
        options = f"；可选值：{'、'.join(column.choices)}" if column.choices else ""
        notes.cell(row=n, column=1, value=f"{column.header}（{kind_text}）{options}")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _safe(value: Any) -> Any:
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def failing_rows_workbook(
    kind: rules.ImportKind, rows: Iterable[tuple[int, list[Any]]], messages: dict[int, list[str]]
) -> bytes:
    """I2: the header row and every failing row as read, with 错误说明 last (the row number
    it had and each error); the error column is not read when the file comes back."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET_NAMES[kind])
    ws.freeze_panes = "A2"
    width = 0
    for number, cells in rows:
        if not width:
            header = [c for c in cells]
            while header and rules.is_blank(header[-1]):
                header.pop()
            width = len(header)
            ws.append([_safe(c) for c in header] + [rules.ERROR_COLUMN])
            continue
        line = (list(cells) + [None] * width)[:width]
        values: list[Any] = []
        for value in line:
            value = _safe(value)
            if isinstance(value, str) and value.startswith("="):  # text, never a formula
                cell = WriteOnlyCell(ws, value=value)
                cell.data_type = "s"
                value = cell
            values.append(value)
        text = f"原第{number}行：" + "；".join(messages.get(number, []))
        values.append(_safe(text))
        ws.append(values)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
