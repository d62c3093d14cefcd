"""The OpenAPI 3.1 description of /api/v1/ (tests check real responses against it)."""

from typing import Any

from registry.complaints.stats import FIRST_YEAR, LAST_YEAR
from registry.core.http import MAX_DB_INT
from registry.public.queries import API_MATTER_KEYS
from registry.public.queries.targets import API_INDICATOR_DETAIL_KEYS, API_INDICATOR_KEYS
from registry.public.search import COUNT_CAP
from registry.supervision.public_data import API_TASK_DETAIL_KEYS, API_TASK_KEYS

MAX_PER_PAGE = 200
# The counts of registry/complaints/stats.py Counts.plain(), as the API states them.
COMPLAINT_COUNTS = {
    "received": "收到",
    "accepted": "曾经受理",
    "transferred": "曾经转办",
    "answered": "已办结（已答复，含举报人不满意、待办公室复核的）",
    "rejected": "不予受理",
    "on_time": "按期办结（在受理期限内不予受理，或在答复期限内办结，含同意的延期）",
    "overdue": "超期：overdue_open + closed_late",
    "overdue_open": "已过受理或答复期限仍未办结",
    "closed_late": "超过期限才办结",
    "repeat": "重复举报（与此前关于同一事项、同一地点的举报相关联）",
    "rated": "举报人作出评价的",
    "satisfied": "评价为满意的",
}
COMPLAINT_STATS_MAX_AGE = 60  # seconds: its figures move as complaints are handled
TASK_MAX_AGE = 60  # seconds: rectification tasks move with every step (registry/public/task_api.py)


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _listing(item: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["items", "total", "page", "per_page"],
        "additionalProperties": False,
        "properties": {
            "items": {"type": "array", "items": _ref(item)},
            "total": {"type": "integer", "minimum": 0},
            "page": {"type": "integer", "minimum": 1, "maximum": MAX_DB_INT},
            "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
        },
    }


def _ok(schema: dict[str, Any], description: str = "成功") -> dict[str, Any]:
    return {
        "description": description,
        "headers": {
            "ETag": {"description": "强校验器，随已发布版本、请求参数和语言变化", "schema": {"type": "string"}},
            "Last-Modified": {"description": "所涉版本的发布时间", "schema": {"type": "string"}},
        },
        "content": {"application/json": {"schema": schema}},
    }


_ERRORS = {
    "304": {"description": "未修改（If-None-Match 与 ETag 相符）"},
    "400": {"description": "参数有误", "content": {"application/json": {"schema": _ref("Error")}}},
    "404": {"description": "不存在", "content": {"application/json": {"schema": _ref("Error")}}},
    "429": {
        "description": "请求过于频繁：超过了访问频率限制（见接口说明），等待 Retry-After 秒后再试",
        "headers": {
            "Retry-After": {
                "description": "需要等待的秒数，之后才能再次请求",
                "schema": {"type": "integer", "minimum": 1},
            },
        },
        "content": {"application/json": {"schema": _ref("Error")}},
    },
}


def _rate_limit() -> str:
    """The API's limit as configured (config API_RATE_LIMIT), in words."""
    from flask import current_app, has_app_context

    from config import Config
    from registry.core.limits import describe

    setting = current_app.config["API_RATE_LIMIT"] if has_app_context() else Config.API_RATE_LIMIT
    return describe(setting, chinese=True)


def _param(name: str, where: str, schema: dict[str, Any], description: str, required: bool = False) -> dict:
    return {
        "name": name,
        "in": where,
        "required": required or where == "path",
        "schema": schema,
        "description": description,
    }


PAGE = _param("page", "query", {"type": "integer", "minimum": 1, "maximum": MAX_DB_INT, "default": 1}, "页码")
PER_PAGE = _param(
    "per_page", "query", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 50}, "每页条数"
)
CODE = _param("code", "path", {"type": "string", "pattern": "^[0-9]{6}$"}, "6 位行政区划代码")

NULLABLE_STRING = {"type": ["string", "null"]}

# Target indicators (issue #19): the working indicators and their values, public once recorded.
STATUS = {
    "type": "string",
    "enum": ["met", "on_track", "behind", "not_met", "no_data"],
    "description": "met 已达标；on_track 符合序时进度（未到目标年份，达到从基准到目标的直线进度）；"
    "behind 进度滞后；not_met 未达标（目标年份及以后未达到目标）；no_data 无数据",
}
_INDICATOR_PROPERTIES: dict[str, Any] = {
    "id": {"type": "integer"},
    "jurisdiction": {"$ref": "#/components/schemas/JurisdictionRef"},
    "name": {"type": "string", "description": "指标名称"},
    "unit": {"type": "string", "description": "单位"},
    "direction": {"type": "string", "enum": ["lower", "higher"], "description": "lower 越低越好；higher 越高越好"},
    "binding": {"type": "string", "enum": ["binding", "expected"], "description": "binding 约束性；expected 预期性"},
    "description": {"type": "string", "description": "指标说明（口径）"},
    "baseline": {
        "type": "object",
        "required": ["year", "value"],
        "additionalProperties": False,
        "properties": {"year": {"type": "integer"}, "value": {"type": "number"}},
        "description": "基准年和基准值",
    },
    "target": {
        "type": "object",
        "required": ["year", "value", "stretch_value"],
        "additionalProperties": False,
        "properties": {
            "year": {"type": "integer"},
            "value": {"type": "number"},
            "stretch_value": {"type": ["number", "null"], "description": "力争值"},
        },
        "description": "目标年和目标值",
    },
    "target_text": {"type": "string", "description": "目标的写法，如“≤28微克/立方米（力争25）”"},
    "plan": {"type": "string", "description": "所依据的规划文件《…》（文号），可为空"},
    "lead_department": {
        "type": "object",
        "required": ["id", "name", "published"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "published": {"type": "boolean", "description": "已发布的清单版本列有该部门（/departments/{id} 可查）"},
        },
        "description": "牵头部门",
    },
    "matters": {
        "type": "array",
        "description": "关联的具体事项（只列现行清单版本中的，/matters/{id} 可查）",
        "items": {
            "type": "object",
            "required": ["id", "title"],
            "additionalProperties": False,
            "properties": {"id": {"type": "integer"}, "title": {"type": "string"}},
        },
    },
    "latest": {
        "oneOf": [
            {
                "type": "object",
                "required": ["year", "value", "status", "stretch_met"],
                "additionalProperties": False,
                "properties": {
                    "year": {"type": "integer"},
                    "value": {"type": "number"},
                    "status": STATUS,
                    "stretch_met": {"type": "boolean", "description": "达到力争值"},
                },
            },
            {"type": "null"},
        ],
        "description": "最近一个有数据的年度及其状态；尚无数据时为 null",
    },
}
INDICATOR_SCHEMAS: dict[str, Any] = {
    "Indicator": {
        "type": "object",
        "required": list(API_INDICATOR_KEYS),  # what indicator_plain() returns, so the two cannot drift
        "additionalProperties": False,
        "properties": _INDICATOR_PROPERTIES,
    },
    "IndicatorDetail": {
        "type": "object",
        "required": list(API_INDICATOR_DETAIL_KEYS),
        "additionalProperties": False,
        "properties": {
            **_INDICATOR_PROPERTIES,
            "values": {
                "type": "array",
                "description": "各年度的实际值（按年份）",
                "items": {
                    "type": "object",
                    "required": ["year", "value", "source", "locked", "status", "stretch_met", "expected"],
                    "additionalProperties": False,
                    "properties": {
                        "year": {"type": "integer"},
                        "value": {"type": "number"},
                        "source": {"type": "string", "description": "数据来源，如监测数据、统计公报"},
                        "locked": {
                            "type": "boolean",
                            "description": "该年度数据已锁定（已公开，不再改变）；false 为初步数据，可能更正",
                        },
                        "status": STATUS,
                        "stretch_met": {"type": "boolean"},
                        "expected": {"type": "number", "description": "该年度的序时进度值（基准到目标的直线）"},
                    },
                },
            },
            "monthly": {
                "type": "array",
                "description": "月度数据（如有，按年月）",
                "items": {
                    "type": "object",
                    "required": ["year", "month", "value", "source"],
                    "additionalProperties": False,
                    "properties": {
                        "year": {"type": "integer"},
                        "month": {"type": "integer", "minimum": 1, "maximum": 12},
                        "value": {"type": "number"},
                        "source": {"type": "string"},
                    },
                },
            },
        },
    },
    "IndicatorList": _listing("Indicator"),
}


# Rectification tasks (#18): public from the moment a ledger lists them (registry/supervision/public_data.py).
_DEPARTMENT = {
    "type": "object",
    "required": ["id", "name"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "integer", "description": "部门编号（/departments/{id}）"},
        "name": {"type": "string"},
    },
}
TASK_STATE = {
    "type": "string",
    "enum": ["open", "applied", "notice", "closed"],
    "description": "open 整改中；applied 销号审核中（已申请销号，认定部门签署中）；notice 销号公示中；closed 已销号",
}
_TASK_PROPERTIES: dict[str, Any] = {
    "id": {"type": "integer", "description": "任务编号"},
    "jurisdiction": {"$ref": "#/components/schemas/JurisdictionRef"},
    "source": {
        "type": "object",
        "required": ["ledger_id", "ledger", "kind", "kind_label", "title", "document", "archived"],
        "additionalProperties": False,
        "properties": {
            "ledger_id": {"type": "integer", "description": "台账编号（参数 ledger）"},
            "ledger": {"type": "string", "description": "台账名称"},
            "kind": {
                "type": "string",
                "enum": ["inspection", "assignment", "key_tasks", "other"],
                "description": "inspection 生态环境保护督察反馈问题；assignment 上级交办任务；"
                "key_tasks 年度重点任务；other 其他",
            },
            "kind_label": {"type": "string"},
            "title": {"type": "string", "description": "来源，如“第二轮中央生态环境保护督察”"},
            "document": {**NULLABLE_STRING, "description": "反馈意见或交办文件的名称（文号）"},
            "archived": {"type": "boolean", "description": "台账已归档（不再更新）"},
        },
        "description": "任务的来源：所在台账",
    },
    "number": {"type": "string", "description": "台账中的序号"},
    "problem": {"type": "string", "description": "问题（任务）"},
    "target": {"type": "string", "description": "整改目标"},
    "measures": {"type": "string", "description": "整改措施"},
    "lead_department": {**_DEPARTMENT, "description": "牵头部门"},
    "cooperating_departments": {"type": "array", "items": _DEPARTMENT, "description": "配合部门"},
    "responsible": {
        "oneOf": [
            {
                "type": "object",
                "required": ["person", "post"],
                "additionalProperties": False,
                "properties": {"person": {"type": "string"}, "post": {"type": "string"}},
            },
            {"type": "null"},
        ],
        "description": "责任人姓名和职务：只在办公室选择公开时给出，否则为 null；任何情况下都不给出联系方式",
    },
    "deadline": {
        "type": "object",
        "required": ["date", "phase", "phase_label"],
        "additionalProperties": False,
        "properties": {
            "date": {"oneOf": [{"type": "string", "format": "date"}, {"type": "null"}], "description": "整改时限"},
            "phase": {
                "oneOf": [{"type": "string", "enum": ["immediate", "short", "medium", "long"]}, {"type": "null"}],
                "description": "immediate 立行立改；short 短期攻坚；medium 中期推进；long 长期坚持",
            },
            "phase_label": NULLABLE_STRING,
        },
        "description": "整改时限：日期、阶段，或两者",
    },
    "state": TASK_STATE,
    "state_label": {"type": "string"},
    "percent": {"type": "integer", "minimum": 0, "maximum": 100, "description": "牵头部门最近报送的完成比例"},
    "overdue": {"type": "boolean", "description": "已过整改时限而未完成（整改中或销号审核中）"},
    "reopened_count": {"type": "integer", "minimum": 0, "description": "销号后问题反弹、重新整改的次数"},
    "closure_notice": {
        "oneOf": [
            {
                "type": "object",
                "required": ["id", "notice_starts", "notice_ends", "state", "state_label"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "integer", "description": "公示编号（网页 /notices/{id}）"},
                    "notice_starts": {"type": "string", "format": "date"},
                    "notice_ends": {"oneOf": [{"type": "string", "format": "date"}, {"type": "null"}]},
                    "state": {
                        "type": "string",
                        "enum": ["notice", "closed", "returned"],
                        "description": "notice 公示中（或公示期满待决定）；closed 已销号；returned 已退回重新整改",
                    },
                    "state_label": {"type": "string"},
                },
            },
            {"type": "null"},
        ],
        "description": "最近一次销号公示：公示期（含首尾两日，北京时间的日期）及其结果；从未公示为 null",
    },
    "closed_at": {
        "oneOf": [{"type": "string", "format": "date-time"}, {"type": "null"}],
        "description": "销号时间（北京时间，带时区）；未销号为 null",
    },
}
TASK_SCHEMAS: dict[str, Any] = {
    "Task": {
        "type": "object",
        "required": list(API_TASK_KEYS),  # what public_data.task_plain() returns, so the two cannot drift
        "additionalProperties": False,
        "properties": _TASK_PROPERTIES,
    },
    "TaskDetail": {
        "type": "object",
        "required": list(API_TASK_DETAIL_KEYS),
        "additionalProperties": False,
        "properties": {
            **_TASK_PROPERTIES,
            "milestones": {
                "type": "array",
                "description": "办理过程中公开的节点（按日期）：列入台账、开始销号公示、销号、退回、重新整改",
                "items": {
                    "type": "object",
                    "required": ["kind", "label", "date", "closure_notice_id"],
                    "additionalProperties": False,
                    "properties": {
                        "kind": {
                            "type": "string",
                            "enum": ["created", "notice_started", "closed", "returned", "reopened"],
                        },
                        "label": {"type": "string"},
                        "date": {"type": "string", "format": "date"},
                        "closure_notice_id": {
                            "type": ["integer", "null"],
                            "description": "开始销号公示的节点：该次公示的编号",
                        },
                    },
                },
            },
        },
    },
    "TaskList": _listing("Task"),
}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["status", "message"],
                "properties": {"status": {"type": "integer"}, "message": {"type": "string"}},
            }
        },
    },
    "DepartmentRef": {
        "type": "object",
        "required": ["id", "name", "short_name"],
        "additionalProperties": False,
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "short_name": {"type": "string"}},
    },
    "Basis": {
        "type": "object",
        "required": ["title"],
        "properties": {
            "title": {"type": "string"},
            "doc_number": {"type": "string"},
            "issuer": {"type": "string"},
            "article": {"type": "string"},
        },
    },
    "Territorial": {
        "type": "object",
        "required": ["code", "name"],
        "properties": {
            "code": {"type": "string", "description": "下级行政区划代码；“*”表示各下级人民政府"},
            "name": {"type": "string"},
        },
    },
    "Deadline": {
        "type": "object",
        "required": ["text", "date"],
        "properties": {
            "text": {"type": "string", "description": "完成时限（清单原文）"},
            "date": {"oneOf": [{"type": "string", "format": "date"}, {"type": "null"}], "description": "所指日期"},
        },
    },
    "Target": {
        "type": "object",
        "required": ["indicator", "comparison", "value", "unit", "stretch_value", "text"],
        "properties": {
            "indicator": {"type": "string", "description": "指标"},
            "comparison": {"type": "string", "enum": ["", "≥", "≤", "=", ">", "<"]},
            "value": {"oneOf": [{"type": "number"}, {"type": "null"}], "description": "目标值"},
            "unit": {"type": "string"},
            "stretch_value": {"oneOf": [{"type": "number"}, {"type": "null"}], "description": "力争值"},
            "text": {"type": "string", "description": "原文"},
        },
    },
    "JurisdictionRef": {
        "type": "object",
        "required": ["code", "name"],
        "additionalProperties": False,
        "properties": {"code": {"type": "string"}, "name": {"type": "string"}},
    },
    "Matter": {
        "type": "object",
        "required": list(API_MATTER_KEYS),  # what api_matter() returns, so the two cannot drift
        "additionalProperties": False,
        "properties": {
            "id": {"type": "integer", "description": "事项编号，在各版本间保持不变"},
            "title": {"type": "string"},
            "category": {"type": "string"},
            "description": {"type": "string", "description": "责任内容"},
            "status": {"type": "string", "enum": ["assigned", "pending", "delegated"]},
            "lead": {"oneOf": [_ref("DepartmentRef"), {"type": "null"}]},
            "co_leads": {
                "type": "array",
                "items": _ref("DepartmentRef"),
                "description": "共同牵头部门（列第一位者为牵头部门，其余为共同牵头）",
            },
            "cooperating": {"type": "array", "items": _ref("DepartmentRef")},
            "territorial": {
                "type": "array",
                "items": _ref("Territorial"),
                "description": "属地落实：负责落实的下级人民政府",
            },
            "deadline": {"oneOf": [_ref("Deadline"), {"type": "null"}]},
            "targets": {"type": "array", "items": _ref("Target"), "description": "量化目标"},
            "basis": {"type": "array", "items": _ref("Basis")},
            "jurisdiction": _ref("JurisdictionRef"),
            "version": {"type": "string", "description": "版本名称"},
        },
    },
    "Version": {
        "type": "object",
        "required": ["label", "doc_number", "effective_date", "publisher", "published_at", "matter_count", "checksum"],
        "properties": {
            "label": {"type": "string"},
            "doc_number": {"type": "string"},
            "effective_date": {"type": "string", "format": "date"},
            "publisher": {"type": "string"},
            "published_at": {"type": "string", "format": "date-time"},
            "matter_count": {"type": "integer"},
            "checksum": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "withdrawn": {"type": "boolean"},
            "in_force": {"type": "boolean"},
        },
    },
    "JurisdictionSummary": {
        "type": "object",
        "required": ["code", "name", "level", "parent", "published"],
        "properties": {
            "code": {"type": "string"},
            "name": {"type": "string"},
            "level": {"type": "string", "enum": ["central", "province", "city", "county"]},
            "parent": NULLABLE_STRING,
            "published": {"type": "boolean"},
        },
    },
    "Jurisdiction": {
        "type": "object",
        "required": ["code", "name", "level", "parent", "children", "current_version", "departments", "categories"],
        "properties": {
            "code": {"type": "string"},
            "name": {"type": "string"},
            "level": {"type": "string"},
            "parent": NULLABLE_STRING,
            "children": {"type": "array", "items": _ref("JurisdictionRef")},
            "current_version": {"oneOf": [_ref("Version"), {"type": "null"}]},
            "departments": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "name", "short_name", "sector"],
                    "properties": {
                        "id": {"type": "integer"},
                        "name": {"type": "string"},
                        "short_name": {"type": "string"},
                        "sector": {"type": "string"},
                    },
                },
            },
            "categories": {"type": "array", "items": {"type": "string"}},
        },
    },
    "Department": {
        "type": "object",
        "required": [
            "id",
            "name",
            "short_name",
            "sector",
            "jurisdiction",
            "version",
            "duties",
            "lead_matters",
            "co_lead_matters",
            "cooperating_matters",
        ],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "short_name": {"type": "string"},
            "sector": {"type": "string"},
            "website": {"type": "string"},
            "jurisdiction": _ref("JurisdictionRef"),
            "version": {"type": "string"},
            "duties": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["seq", "text", "basis"],
                    "properties": {
                        "seq": {"type": "integer"},
                        "text": {"type": "string"},
                        "basis": {"type": "array", "items": _ref("Basis")},
                    },
                },
            },
            "lead_matters": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "title"],
                    "properties": {"id": {"type": "integer"}, "title": {"type": "string"}},
                },
            },
            "co_lead_matters": {
                "type": "array",
                "description": "共同牵头的事项",
                "items": {
                    "type": "object",
                    "required": ["id", "title", "lead"],
                    "properties": {
                        "id": {"type": "integer"},
                        "title": {"type": "string"},
                        "lead": {"oneOf": [_ref("DepartmentRef"), {"type": "null"}]},
                    },
                },
            },
            "cooperating_matters": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "title", "lead"],
                    "properties": {
                        "id": {"type": "integer"},
                        "title": {"type": "string"},
                        "lead": {"oneOf": [_ref("DepartmentRef"), {"type": "null"}]},
                    },
                },
            },
        },
    },
    "DiffMatter": {
        "type": "object",
        "required": [
            "id",
            "title",
            "category",
            "status",
            "lead",
            "co_leads",
            "cooperating",
            "territorial",
            "deadline_text",
            "targets",
        ],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "category": {"type": "string"},
            "status": {"type": "string"},
            "lead": {"oneOf": [_ref("DiffDepartment"), {"type": "null"}]},
            "co_leads": {"type": "array", "items": _ref("DiffDepartment")},
            "cooperating": {"type": "array", "items": _ref("DiffDepartment")},
            "territorial": {"type": "array", "items": _ref("Territorial"), "description": "属地落实"},
            "deadline_text": {"type": "string", "description": "完成时限（清单原文）"},
            "targets": {"type": "array", "items": {"type": "string"}, "description": "量化目标，如“覆盖率≥95%”"},
        },
    },
    "DiffDepartment": {
        "type": "object",
        "required": ["id", "name"],
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
    },
    "Diff": {
        "type": "object",
        "required": ["from", "to", "added", "removed", "changed", "summary"],
        "additionalProperties": False,
        "properties": {
            "from": {"type": "string"},
            "to": {"type": "string"},
            "added": {"type": "array", "items": _ref("DiffMatter")},
            "removed": {"type": "array", "items": _ref("DiffMatter")},
            "changed": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": [
                        "id",
                        "old_title",
                        "title",
                        "renamed",
                        "lead_changed",
                        "old_lead",
                        "new_lead",
                        "cooperating_added",
                        "cooperating_removed",
                        "co_leads_added",
                        "co_leads_removed",
                        "old_territorial",
                        "territorial",
                        "old_deadline_text",
                        "deadline_text",
                        "old_targets",
                        "targets",
                        "other_fields",
                    ],
                    "additionalProperties": False,
                    "properties": {
                        "id": {"type": "integer"},
                        "old_title": {"type": "string"},
                        "title": {"type": "string"},
                        "renamed": {"type": "boolean"},
                        "lead_changed": {"type": "boolean"},
                        "old_lead": {"oneOf": [_ref("DiffDepartment"), {"type": "null"}]},
                        "new_lead": {"oneOf": [_ref("DiffDepartment"), {"type": "null"}]},
                        "cooperating_added": {"type": "array", "items": {"type": "string"}},
                        "cooperating_removed": {"type": "array", "items": {"type": "string"}},
                        "co_leads_added": {"type": "array", "items": {"type": "string"}},
                        "co_leads_removed": {"type": "array", "items": {"type": "string"}},
                        "old_territorial": {"type": "array", "items": _ref("Territorial")},
                        "territorial": {"type": "array", "items": _ref("Territorial")},
                        "old_deadline_text": {"type": "string"},
                        "deadline_text": {"type": "string"},
                        "old_targets": {"type": "array", "items": {"type": "string"}},
                        "targets": {"type": "array", "items": {"type": "string"}},
                        "other_fields": {
                            "type": "array",
                            "items": {"type": "string"},
                            "description": "category、description、status、co_leads、territorial、deadline、targets",
                        },
                    },
                },
            },
            "summary": {
                "type": "object",
                "required": ["added", "removed", "changed", "lead_changed", "cooperating_changed"],
                "additionalProperties": False,
                "properties": {
                    k: {"type": "integer", "minimum": 0}
                    for k in ("added", "removed", "changed", "lead_changed", "cooperating_changed")
                },
            },
        },
    },
    "ComplaintCounts": {
        "type": "object",
        "description": "一组公众举报的汇总数字（只有数字，不含举报内容、地点和举报人信息）",
        "required": [*COMPLAINT_COUNTS],
        "properties": {
            **{name: {"type": "integer", "minimum": 0, "description": text} for name, text in COMPLAINT_COUNTS.items()},
            "on_time_rate": {
                "type": ["number", "null"],
                "minimum": 0,
                "maximum": 1,
                "description": "按期办结率 = on_time ÷ (on_time + closed_late)；尚无办结时为 null",
            },
            "satisfaction_rate": {
                "type": ["number", "null"],
                "minimum": 0,
                "maximum": 1,
                "description": "满意率 = satisfied ÷ rated；尚无评价时为 null",
            },
        },
    },
    "ComplaintStats": {
        "type": "object",
        "required": ["jurisdiction", "year", "as_of", "totals", "departments", "matters", "received_by_period"],
        "additionalProperties": False,
        "properties": {
            "jurisdiction": _ref("JurisdictionRef"),
            "year": {"type": ["integer", "null"], "description": "收到举报的年份（北京时间）；null 表示历年合计"},
            "as_of": {"type": "string", "format": "date", "description": "统计日期（超期按此日判断）"},
            "totals": _ref("ComplaintCounts"),
            "departments": {
                "type": "array",
                "description": "按现办理部门（转办后计入接收部门），只列收到过举报的部门",
                "items": {
                    "allOf": [
                        _ref("ComplaintCounts"),
                        {
                            "type": "object",
                            "required": ["id", "name"],
                            "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
                        },
                    ]
                },
            },
            "matters": {
                "type": "array",
                "description": "按具体事项；id 为 null 的一行是未选定事项、由12369受理窗口分办的举报",
                "items": {
                    "allOf": [
                        _ref("ComplaintCounts"),
                        {
                            "type": "object",
                            "required": ["id", "title"],
                            "properties": {"id": {"type": ["integer", "null"]}, "title": {"type": "string"}},
                        },
                    ]
                },
            },
            "received_by_period": {
                "type": "array",
                "description": "给出 year 时为该年每月（YYYY-MM）收到的件数，否则为每年（YYYY）",
                "items": {
                    "type": "object",
                    "required": ["period", "received"],
                    "properties": {
                        "period": {"type": "string", "pattern": "^[0-9]{4}(-[0-9]{2})?$"},
                        "received": {"type": "integer", "minimum": 0},
                    },
                },
            },
        },
    },
    **INDICATOR_SCHEMAS,
    **TASK_SCHEMAS,
    "JurisdictionList": _listing("JurisdictionSummary"),
    "VersionList": _listing("Version"),
    "MatterList": _listing("Matter"),
}


def _get(summary: str, schema: str, parameters: list[dict] | None = None) -> dict[str, Any]:
    return {
        "get": {"summary": summary, "parameters": parameters or [], "responses": {"200": _ok(_ref(schema)), **_ERRORS}}
    }


def _complaint_stats_path() -> dict[str, Any]:
    path = _get(
        "公众举报办理情况（汇总数字）",
        "ComplaintStats",
        [
            _param("jurisdiction", "query", {"type": "string", "pattern": "^[0-9]{6}$"}, "行政区划代码", required=True),
            _param(
                "year",
                "query",
                {"type": "integer", "minimum": FIRST_YEAR, "maximum": LAST_YEAR},
                "收到举报的年份（北京时间）；不给出时为历年合计",
            ),
        ],
    )
    operation = path["get"]
    operation["description"] = (
        "该地区本级职能部门办理的公众举报的汇总数字：合计、按办理部门、按具体事项、按月份（或年份）。"
        "只有数字，不含举报内容、地点和举报人信息。数字随举报办理而变化："
        f"响应可缓存 {COMPLAINT_STATS_MAX_AGE} 秒（Cache-Control），带强 ETag，可用 If-None-Match 重新验证。"
    )
    operation["responses"]["200"]["headers"] = {
        "ETag": {"description": "强校验器，随举报办理、请求参数和语言变化", "schema": {"type": "string"}},
        "Cache-Control": {"description": f"public, max-age={COMPLAINT_STATS_MAX_AGE}", "schema": {"type": "string"}},
    }
    return path


def _indicators_path() -> dict[str, Any]:
    path = _get(
        "地区的目标指标",
        "IndicatorList",
        [
            _param("jurisdiction", "query", {"type": "string", "pattern": "^[0-9]{6}$"}, "行政区划代码", required=True),
            PAGE,
            PER_PAGE,
        ],
    )
    path["get"]["description"] = (
        "该地区的生态环境保护目标指标：目标、基准、牵头部门和最近一年的状态。"
        "实际值由牵头部门填报，填报后即公开；办公室锁定年度之前为初步数据（locked 为 false），可能更正。"
        "状态按数值、基准和目标计算，不是填报的。响应带强 ETag，随数据变化，可用 If-None-Match 重新验证。"
    )
    return path


def _tasks_path() -> dict[str, Any]:
    path = _get(
        "地区的整改任务",
        "TaskList",
        [
            _param("jurisdiction", "query", {"type": "string", "pattern": "^[0-9]{6}$"}, "行政区划代码", required=True),
            _param("state", "query", TASK_STATE, "只列该状态的任务"),
            _param("ledger", "query", {"type": "integer", "minimum": 1, "maximum": MAX_DB_INT}, "只列该台账的任务"),
            PAGE,
            PER_PAGE,
        ],
    )
    _task_caching(
        path,
        "该地区整改台账中的任务（按台账、台账中的顺序）：来源、问题、整改目标和措施、牵头和配合部门、整改时限、状态、"
        "销号公示的日期。不含个人信息：责任人姓名和职务只在办公室选择公开时给出，联系方式、公众异议和内部办理记录一律不提供。"
        "缺少 jurisdiction、未知的 state、不属于该地区的 ledger 为 400；"
        "不存在的 jurisdiction 为 404（与其他接口一致）。",
    )
    return path


def _task_path() -> dict[str, Any]:
    id_param = {"type": "integer", "minimum": 1, "maximum": MAX_DB_INT}
    path = _get("整改任务及其公开的办理节点", "TaskDetail", [_param("id", "path", id_param, "任务编号")])
    _task_caching(path, "一项整改任务，及其办理过程中公开的节点（列入台账、销号公示、销号、退回、重新整改的日期）。")
    return path


def _task_caching(path: dict[str, Any], description: str) -> None:
    operation = path["get"]
    operation["description"] = (
        description + f"任务随办理而变化：响应可缓存 {TASK_MAX_AGE} 秒（Cache-Control），"
        "带强 ETag（按响应内容计算），可用 If-None-Match 重新验证（304）。"
    )
    operation["responses"]["200"]["headers"] = {
        "ETag": {"description": "强校验器，随响应内容和语言变化", "schema": {"type": "string"}},
        "Cache-Control": {"description": f"public, max-age={TASK_MAX_AGE}", "schema": {"type": "string"}},
    }


def document() -> dict[str, Any]:
    id_param = {"type": "integer", "minimum": 1, "maximum": MAX_DB_INT}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "生态环境保护责任清单开放数据接口",
            "version": "1.0.0",
            "description": (
                "只读；只提供已发布的清单版本（公众举报的汇总数字、目标指标和整改任务除外，"
                "见 /complaints/stats、/indicators、/tasks）。"
                "已发布版本不再改变，响应带强 ETag，可用 If-None-Match 重新验证。"
                f"限制：page 为 1 至 {MAX_DB_INT}，per_page 为 1 至 {MAX_PER_PAGE}；"
                f"部门和事项编号为 1 至 {MAX_DB_INT}，超出范围的编号不存在（404），格式不对的参数为 400。"
                "\n\n"
                f"访问频率限制：每个客户端地址对本接口全部端点的请求合计不超过{_rate_limit()}。"
                "超过时返回 429（错误信息为 JSON），响应头 Retry-After 给出需要等待的秒数；"
                "每个响应还带 X-RateLimit-Limit、X-RateLimit-Remaining、X-RateLimit-Reset 头。"
                "批量获取请用 per_page=200 翻页，并按 ETag 重新验证，不必重复下载未变的数据。"
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "paths": {
            "/jurisdictions": _get("行政区划列表", "JurisdictionList", [PAGE, PER_PAGE]),
            "/jurisdictions/{code}": _get("行政区划及其现行清单版本", "Jurisdiction", [CODE]),
            "/jurisdictions/{code}/versions": _get("已发布版本", "VersionList", [CODE, PAGE, PER_PAGE]),
            "/jurisdictions/{code}/versions/{label}/diff/{other_label}": _get(
                "两个版本的比较",
                "Diff",
                [
                    CODE,
                    _param("label", "path", {"type": "string"}, "原版本名称"),
                    _param("other_label", "path", {"type": "string"}, "新版本名称"),
                ],
            ),
            "/departments/{id}": _get("部门（按现行版本）", "Department", [_param("id", "path", id_param, "部门编号")]),
            "/matters": _get(
                "事项列表与搜索（默认现行版本）",
                "MatterList",
                [
                    _param("jurisdiction", "query", {"type": "string"}, "行政区划代码"),
                    _param(
                        "q",
                        "query",
                        {"type": "string", "minLength": 2},
                        "关键词，至少两个字，空格分隔多个；"
                        f"计数到 {COUNT_CAP} 为止：total 为 {COUNT_CAP + 1} 表示超过 {COUNT_CAP} 项，"
                        f"只提供其中 {COUNT_CAP} 项（名称命中在前，按清单顺序）",
                    ),
                    _param("department", "query", id_param, "部门编号"),
                    _param("role", "query", {"type": "string", "enum": ["lead", "co_lead", "cooperating"]}, "部门角色"),
                    _param("category", "query", {"type": "string"}, "事项类别"),
                    _param("version", "query", {"type": "string"}, "版本名称（须同时给出 jurisdiction）"),
                    PAGE,
                    PER_PAGE,
                ],
            ),
            "/matters/{id}": _get("事项（按现行版本）", "Matter", [_param("id", "path", id_param, "事项编号")]),
            "/indicators": _indicators_path(),
            "/indicators/{id}": _get(
                "目标指标及其历年数据", "IndicatorDetail", [_param("id", "path", id_param, "指标编号")]
            ),
            "/complaints/stats": _complaint_stats_path(),
            "/tasks": _tasks_path(),
            "/tasks/{id}": _task_path(),
        },
        "components": {"schemas": SCHEMAS},
    }
