from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import ConfigDict, Field

from app.api.schemas.common import InputModel, OutputModel, text
from app.domain.hazards import Grade

CRITERION = {
    "code": "GMQY-2023-13-1",
    "version": 1,
    "sectors": ["industry_trade"],
    "tags": ["confined_space"],
    "grade": "major",
    "standard": {
        "title": "工贸企业重大事故隐患判定标准",
        "issuer": "应急管理部",
        "number": "应急管理部令第10号",
        "article": "第十三条",
        "item": "（一）",
        "article_text": "存在硫化氢、一氧化碳等中毒风险的有限空间作业的工贸企业有下列情形之一的，应当判定为重大事故隐患：",
        "published_on": "2023-04-14",
        "complete": False,
    },
    "text": "未对有限空间进行辨识、建立安全管理台账，并且未设置明显的安全警示标志的",
    "effective_from": "2023-05-15",
    "effective_to": None,
    "sources": [{"id": "S10", "official": False, "location": "http://www.hftpay.net/news/show/229.html", "note": "繁体转换页：第三条、第十二条全文、第十三条（一）"}],
}
VERSION = {"version": 2, "note": "2026年版", "criteria_count": 85, "loaded_by": "0193a5c0-2b3c-7d4e-8f5a-6b7c8d9e0f11",
           "loaded_at": "2026-12-01T08:00:00Z"}


class StandardRead(OutputModel):
    """Where a criterion comes from (K1): the document and the article and item in it."""

    model_config = ConfigDict(json_schema_extra={"examples": [CRITERION["standard"]]})

    title: str
    issuer: str
    number: str = Field(description="The document number (文号) or the standard's number (GB …).")
    article: str | None = Field(description="The article (第四条), the chapter of a GB standard, or null.")
    item: str | None = Field(description="The item as published (（一）, 一、, 6.1), or null for a whole article.")
    article_text: str | None = Field(description="The article's lead-in sentence, as published.")
    published_on: date | None
    complete: bool = Field(description="Whether every item of the document is in the library.")


class CriterionRead(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [CRITERION]})

    code: str
    version: int = Field(description="The library version this record belongs to.")
    sectors: list[str]
    tags: list[str]
    grade: Grade
    standard: StandardRead
    text: str = Field(description="The criterion's wording, as published.")
    effective_from: date
    effective_to: date | None = Field(description="The last day in force (inclusive); null while in force.")
    sources: list[dict[str, Any]] = Field(description="Where the wording was taken from and compared with.")


class CriterionPage(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [CRITERION], "next_cursor": "AAAAAAAAAGQ"}]})

    items: list[CriterionRead]
    next_cursor: str | None


class CriteriaVersionRead(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [VERSION]})

    version: int
    note: str | None
    criteria_count: int
    loaded_by: UUID | None = Field(description="The user who loaded it; null for the version the installation loaded.")
    loaded_at: datetime


class CriteriaVersionList(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [VERSION]}]})

    items: list[CriteriaVersionRead]


class CriteriaSourceFile(InputModel):
    """Where the wording of a document's articles was checked."""

    id: text(40)
    official: bool
    location: text(2000)
    note: text(2000)


class CriteriaStandardFile(InputModel):
    """A published document, as in app/data/criteria."""

    title: text(300)
    issuer: text(300)
    number: text(100)
    published_on: str | None = Field(default=None, max_length=10)
    effective_from: str = Field(max_length=10)
    effective_to: str | None = Field(default=None, max_length=10)
    source: text(2000) | None = None
    complete: bool
    sources: list[CriteriaSourceFile] = Field(default_factory=list, max_length=100)
    missing: list[text(2000)] = Field(default_factory=list, max_length=500)
    notes: list[text(4000)] = Field(default_factory=list, max_length=100)


class CriterionFile(InputModel):
    """One criterion of a document, its wording as published."""

    code: text(64)
    article: text(50) | None = None
    item: text(50) | None = None
    article_text: text(4000) | None = None
    text: text(4000)
    sectors: list[text(40)] = Field(max_length=20)
    tags: list[text(40)] = Field(default_factory=list, max_length=20)
    grade: text(10)
    source_ids: list[text(40)] = Field(default_factory=list, max_length=50)


class CriteriaDocumentFile(InputModel):
    """One document file of the library: the document and its criteria."""

    standard: CriteriaStandardFile
    criteria: list[CriterionFile] = Field(max_length=1000)


class CriteriaVersionCreate(InputModel):
    """A whole new version of the library: every document file, in the format of
    app/data/criteria (README there)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "note": "2026年版",
                    "documents": [
                        {
                            "standard": {
                                "title": "工贸企业重大事故隐患判定标准", "issuer": "应急管理部",
                                "number": "应急管理部令第10号", "published_on": "2023-04-14",
                                "effective_from": "2023-05-15", "effective_to": None, "complete": False,
                                "sources": [], "missing": [], "notes": [],
                            },
                            "criteria": [
                                {
                                    "code": "GMQY-2023-14", "article": "第十四条", "item": None, "article_text": None,
                                    "text": "本标准所列情形中直接关系生产安全的监控、报警、防护等设施、设备、装置，应当保证正常运行、使用，失效或者无效均判定为重大事故隐患。", "sectors": ["industry_trade"], "tags": [], "grade": "major",
                                    "source_ids": [],
                                }
                            ],
                        }
                    ],
                }
            ]
        },
    )

    note: text(500) | None = None
    documents: list[CriteriaDocumentFile] = Field(min_length=1, max_length=100, description="One object per published document.")
