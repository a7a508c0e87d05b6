"""Plain-words explanation (算定内訳) of an assessment for `kokuho premium --explain`.

Every component with the rule, rate, months and rounding that produced it, in sentences a clerk at the
counter can read to the resident. Member ids appear; My Number never does (cases do not carry it).
"""

from __future__ import annotations

from typing import Any

from kokuho.premium.ages import month_label
from kokuho.premium.engine import Assessment, PartResult, yen
from kokuho.premium.rates import PART_NAMES_JA, RateTable

RULES = {
    "所得割": "所得割 = (総所得金額等 − 基礎控除) × 所得割率、1円未満切捨て。軽減はありません。",
    "均等割": "均等割 = 被保険者1人あたりの額。法定軽減 (7割・5割・2割) の後に未就学児は半額、各段階で1円未満切捨て。",
    "平等割": "平等割 = 1世帯あたりの額。特定世帯 (1/2)・特定継続世帯 (3/4) の後に法定軽減、各段階で1円未満切捨て。",
}


def _months_text(fy: int, months: list[int]) -> str:
    """Contiguous runs of months, e.g. "2024-04〜2024-09 (6か月)"."""
    runs: list[tuple[int, int]] = []
    for m in sorted(months):
        if runs and runs[-1][1] == m - 1:
            runs[-1] = (runs[-1][0], m)
        else:
            runs.append((m, m))
    text = ", ".join(month_label(fy, a) if a == b else f"{month_label(fy, a)}〜{month_label(fy, b)}"
                     for a, b in runs)
    return f"{text} ({len(months)}か月)"


def _exact_yen(twelfths: int) -> str:
    """Σ ÷ 12 written exactly (no float on money): "183,374 と 2/12"."""
    whole, rest = divmod(twelfths, 12)
    return yen(whole) if rest == 0 else f"{yen(whole)} と {rest}/12"


def _reduction(assessment: Assessment) -> dict[str, Any]:
    j = assessment.judgement
    if j.day is None:
        return {"result": None, "text": "この年度に保険料を計算する月 (加入月) がないため、軽減判定はありません。"}
    lines = [f"軽減判定日: {j.day.isoformat()} (4月1日、または年度途中で初めて加入した日)"]
    for c in j.contributions:
        extra = f" ({'; '.join(c.notes)})" if c.notes else ""
        lines.append(f"  {c.member_id}: 総所得金額等 {yen(c.declared_total)}円 → 判定所得 {yen(c.judged)}円{extra}")
    if j.undeclared:
        lines.append(f"所得未申告の方 ({', '.join(j.undeclared)}) がいるため、軽減は適用されません。")
        return {"result": None, "judged_income": j.judged_income, "text": "\n".join(lines)}
    lines.append(f"世帯の判定所得: {yen(j.judged_income)}円; 給与所得者等の数 n = {j.earners}; "
                 f"被保険者等の数 N = {j.members}")
    lines.append(f"7割軽減の基準: 430,000 + 100,000 × (n − 1) = {yen(j.limit_7)}円")
    n_members = max(j.members, 1)  # N = 0 only without insured members; the added amount is then 0
    lines.append(f"5割軽減の基準: {yen(j.limit_7)} + {yen((j.limit_5 - j.limit_7) // n_members)} × N ({j.members}) = "
                 f"{yen(j.limit_5)}円")
    lines.append(f"2割軽減の基準: {yen(j.limit_7)} + {yen((j.limit_2 - j.limit_7) // n_members)} × N ({j.members}) = "
                 f"{yen(j.limit_2)}円")
    lines.append(f"判定: {j.label or '軽減なし'}")
    return {
        "result": j.label,
        "date": j.day.isoformat(),
        "judged_income": j.judged_income,
        "earners": j.earners,
        "members": j.members,
        "text": "\n".join(lines),
    }


def _part(fy: int, part: PartResult) -> dict[str, Any]:
    name = PART_NAMES_JA[part.key]
    components = [
        {"kind": c.kind, "member": c.member_id, "amount": c.amount, "months": len(c.months),
         "rule": RULES[c.kind], "text": f"{c.text}; 対象月 {_months_text(fy, c.months)}"}
        for c in part.components
    ]
    # Months with the same sum are told once.
    groups: dict[tuple[int, bool], list[int]] = {}
    for month, (amount, capped) in enumerate(zip(part.monthly, part.capped, strict=True)):
        if amount:
            groups.setdefault((amount, capped), []).append(month)
    monthly_lines = []
    for (amount, capped), months in groups.items():
        note = f" (賦課限度額 {yen(part.rates.cap)}円で頭打ち)" if capped else ""
        monthly_lines.append(f"{_months_text(fy, months)}: 所得割+均等割+平等割 = {yen(amount)}円{note}、"
                             f"月額はその12分の1")
    total = sum(part.monthly)
    summary = (f"{name}: 対象各月の (所得割+均等割+平等割) の合計 {yen(total)}円 ÷ 12 = "
               f"{_exact_yen(total)}円 → 100円未満切捨て {yen(part.annual)}円")
    return {
        "name": name,
        "rate": {"所得割": f"{part.rates.income_rate_text}%", "均等割": part.rates.per_capita,
                 "平等割": part.rates.per_household, "賦課限度額": part.rates.cap},
        "components": components,
        "months": monthly_lines,
        "annual": part.annual,
        "text": summary,
    }


def explanation(assessment: Assessment, rates: RateTable) -> dict[str, Any]:
    fy = assessment.fiscal_year
    parts = {key: _part(fy, p) for key, p in assessment.parts.items()}
    inst = assessment.installments
    if inst:
        inst_text = (f"年額 {yen(assessment.annual)}円を {len(inst)} 回に分けます (各回100円未満切捨て、"
                     f"端数は第1期に加算): 第1期 {inst[0]['due']} {yen(inst[0]['amount'])}円")
        if len(inst) > 1:
            inst_text += f"、第2期以降 {yen(inst[1]['amount'])}円"
    else:
        inst_text = "この年度に賦課される月がないため、納期はありません。"
    summary = [f"{p['name']}: {yen(p['annual'])}円" for p in parts.values()]
    summary.append(f"年間保険料: {yen(assessment.annual)}円 (区分ごとの100円未満切捨ての合計)")
    return {
        "summary": summary,
        "rate_file": {"fiscal_year": rates.fiscal_year, "provisional": rates.provisional,
                      "source": rates.source},
        "reduction": _reduction(assessment),
        "parts": parts,
        "installments": inst_text,
        "note": "月割: 資格取得月から喪失月の前月まで。各月 min(限度額, 所得割+均等割+平等割) ÷ 12 を合計し、"
                "区分ごとに100円未満切捨て。軽減後の均等割・平等割は1円未満切捨て。",
    }
