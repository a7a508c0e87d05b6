"""Catalog entries of the qualification area (owned by that area).

The private API is one handler module (functions/qualification/api.py, one route table) deployed as one
function per concern of its routes (RouteSpec.concern), each with a role that holds only what that
concern's routes touch. Every route identifies the caller (staff_sessions), checks the grants (staff) and
volume limits (api_usage) and leaves an access record (access_log, append-only). Only the vault reads or
writes the My Number table (and the My Number key's policy names the vault's role): the other functions
learn that a person has a number from the marker the vault keeps in the qualification file
(kokuho.identity.vault).
"""

from __future__ import annotations

from kokuho.platform.catalog.model import Access, FunctionSpec, StateMachineSpec

API_HANDLER = "qualification.api.handler"
VAULT_FUNCTION = "qualification-api-vault"  # the only function that may touch the mynumber table
# Every route: the caller's session (staff_sessions: the terminal of an IAM call), grants (staff), volume
# counters (api_usage: atomic conditional updates) and the access record (access_log, append-only).
_EVERY_ROUTE: dict[str, Access] = {"staff_sessions": "read", "staff": "read", "api_usage": "write",
                                   "access_log": "write"}
# What an api function reaches with its own role, before anyone is acting (kokuho.access.data_role): who
# calls, their grants, the volume counters, the record of a refused request. Every other table — the
# personal data — only through its data-access role, as the member of staff; the access records both ways.
CALLER_TABLES = frozenset(_EVERY_ROUTE)


def _api(concern: str, description: str, tables: dict[str, Access], reserved: int,
         concerns: tuple[str, ...] | None = None, handler: str = API_HANDLER, **extra: object) -> FunctionSpec:
    return FunctionSpec(
        logical=f"qualification-api-{concern}", handler=handler, description=description,
        tables={**_EVERY_ROUTE, **tables}, timeout_seconds=29,  # API Gateway's integration limit
        memory_mb=1024, reserved_concurrency=reserved, api=True, api_concerns=concerns or (concern,),
        **extra,  # type: ignore[arg-type]
    )


FUNCTIONS: tuple[FunctionSpec, ...] = (
    # The counter's calls (search, read, 窓口試算) and the OpenAPI document: the largest share, so the
    # monthly Map can never starve it (bursts of 100 calls of a few tens of ms each).
    _api("read", "資格管理 API (read): search/read persons and households, 窓口試算, the OpenAPI document",
         {"qualification": "read", "requests": "read"}, 40, concerns=("read", "meta")),  # requests: 利用停止 marks
    # 取得・喪失・異動, 資格確認書: the file and, in the same transaction, the household projection
    # (賦課用世帯情報) in the assessment table.
    # health: a joiner's 特定健診受診券 issued on acquisition (kokuho.programmes.vouchers.on_acquired)
    _api("register", "資格管理 API (register): 取得・喪失・異動, 氏名・連絡先, 資格確認書",
         {"qualification": "write", "assessment": "write", "health": "write"}, 20),
    # The My Number vault: the mynumber table (and its key); the person must exist (qualification) and
    # the vault keeps the "number on file" marker there. Also stores the numbers of the case intake.
    # requests read: a reveal or a look-up is refused for a person under 利用停止 (qualification.my_number).
    _api("vault", "資格管理 API (vault): store, reveal and look up My Numbers, the review list; intake's numbers",
         {"mynumber": "write", "qualification": "write", "requests": "read"}, 10,
         handler="qualification.vault.handler"),  # the API's handler, and the intake's numbers
    # 自動応答不可: the held provision requests (linkage) and the task-token answer. Not linkage_records:
    # the 情報提供等記録 is written by the provision workflow after the decision, never by the API.
    _api("approval", "資格管理 API (approval): 自動応答不可 queue and decisions", {"linkage": "write"}, 5,
         answers_task_tokens_of=("linkage-provision",)),
    # 権限設定状況の一覧表: grants only.
    _api("review", "資格管理 API (review): 権限設定状況の一覧表", {}, 5),
    # 収納: the unmatched queue and its resolution, the account of a held refund (kokuho.payments.routes).
    # qualification read: the payer's name and 送付先, to address a notice (kokuho.payments.notice_routes);
    # assessment read: a 決定通知書 / 変更通知書's versions and the household's case the engine explains on it;
    # linkage read: a held refund takes a named account only while no 公金受取口座 is registered (domain.md §6)
    _api("collection", "資格管理 API (collection): 収納 — unmatched payments, refund accounts, 滞納整理, notices",
         {"collection": "write", "qualification": "read", "assessment": "read", "linkage": "read"}, 5),
    # 開示・訂正・利用停止の請求と問い合わせ (functions/qualification/request_routes.py): the requests table; a
    # correction writes the file and its household projection; a disclosure reads the person's premiums,
    # ledgers, 情報提供等記録, receipts, benefit payments and claims (receipts) and 受診券 and 医療費通知 wish (health)
    # (and the access records, as every route may).
    _api("requests", "資格管理 API (requests): 開示・訂正・利用停止の請求, 問い合わせ",
         {"requests": "write", "qualification": "write", "assessment": "write", "collection": "read",
          "linkage_records": "read", "receipts": "read", "health": "read"}, 5),
    # 保健事業 (kokuho.programmes.routes): the health table (a person's 医療費通知 wish, the 受診率); qualification
    # read: the person must be on file
    _api("health", "資格管理 API (health): 保健事業 — 医療費通知 opt-outs, 受診率",
         {"health": "write", "qualification": "read"}, 5),
    # 給付 (kokuho.receipts.benefit_routes): a household's benefits, payments and 返還金 read; 支給申請 and 差止
    # recorded in the receipts table; qualification read: the household must exist (its householder)
    _api("benefits", "資格管理 API (benefits): 高額療養費 — a household's benefits, payments, 返還金; 支給申請, 差止",
         {"receipts": "write", "qualification": "read"}, 5),
)
STATE_MACHINES: tuple[StateMachineSpec, ...] = ()


def api_function_for(concern: str) -> str:
    """The logical of the api function serving a concern (the API stack and local runs route by it)."""
    for spec in FUNCTIONS:
        if concern in spec.api_concerns:
            return spec.logical
    raise KeyError(f"no api function serves the concern {concern!r}")
