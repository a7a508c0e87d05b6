"""Plain-words explanation (算定内訳) of an assessment for `kokuho premium --explain`.

It reads back the `Trace` the computation filled (`kokuho.premium.engine`): every figure is the one the
computation used; this module only words it, with the rule, rate, months and rounding, in sentences a
clerk at the counter can read to the resident. Member ids appear; My Number never does (cases do not
carry it).
"""

from __future__ import annotations

from typing import Any

from kokuho.premium.ages import month_label
from kokuho.premium.engine import Levy, MemberTrace, PartTrace, Trace
from kokuho.premium.rates import PART_NAMES_JA
from kokuho.premium.reductions import SPECIFIC_FACTORS, SPECIFIC_NAMES_JA, SPECIFIC_PARTS, Judgement

RULES = {
    "所得割": "所得割 = (総所得金額等 − 基礎控除) × 所得割率、1円未満切捨て。軽減はありません。",
    "均等割": "均等割 = 被保険者1人あたりの額。法定軽減 (7割・5割・2割) の後に未就学児は半額、各段階で1円未満切捨て。",
    "平等割": "平等割 = 1世帯あたりの額。特定世帯 (1/2)・特定継続世帯 (3/4) の後に法定軽減、各段階で1円未満切捨て。",
}


def yen(amount: int) -> str:
    return f"{amount:,}"


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


def _reduction(j: Judgement, trace: Trace) -> dict[str, Any]:
    if j.day is None:
        return {"result": None, "text": "この年度に保険料を計算する月 (加入月) がないため、軽減判定はありません。"}
    lines = [f"軽減判定日: {j.day} (4月1日、または年度途中で初めて加入した日)"]
    for c in j.contributions:
        notes = []
        if c.pension_off:
            notes.append(f"65歳以上の公的年金等所得から{c.pension_off:,}円控除")
        if c.unemployed_salary is not None:
            notes.append(f"非自発的失業者: 給与所得 {c.salary:,}円 × 30/100 = {c.unemployed_salary:,}円")
        extra = f" ({'; '.join(notes)})" if notes else ""
        lines.append(f"  {c.member_id}: 総所得金額等 {yen(c.declared_total)}円 → 判定所得 {yen(c.judged)}円{extra}")
    if j.undeclared:
        lines.append(f"所得未申告の方 ({', '.join(j.undeclared)}) がいるため、軽減は適用されません。")
        return {"result": None, "judged_income": j.judged_income, "text": "\n".join(lines)}
    t = trace.table
    lines.append(f"世帯の判定所得: {yen(j.judged_income)}円; 給与所得者等の数 n = {j.earners}; "
                 f"被保険者等の数 N = {j.members}")
    lines.append(f"7割軽減の基準: {yen(t.reduction_base)} + {yen(t.reduction_per_earner)} × (n − 1) = "
                 f"{yen(j.limit_7)}円")
    lines.append(f"5割軽減の基準: {yen(j.limit_7)} + {yen(t.reduction_per_member_5)} × N ({j.members}) = "
                 f"{yen(j.limit_5)}円")
    lines.append(f"2割軽減の基準: {yen(j.limit_7)} + {yen(t.reduction_per_member_2)} × N ({j.members}) = "
                 f"{yen(j.limit_2)}円")
    lines.append(f"判定: {j.label or '軽減なし'}")
    return {
        "result": j.label,
        "date": j.day,
        "judged_income": j.judged_income,
        "earners": j.earners,
        "members": j.members,
        "text": "\n".join(lines),
    }


def _levels(amount: int, text: str, level: int, reduced: int, halved: int | None) -> str:
    """The statutory reduction, then (per-capita only) the 未就学児 half, as the computation applied them."""
    if level:
        text += f" → {level}割軽減 {yen(amount)} × {10 - level}/10 = {yen(reduced)}円 (1円未満切捨て)"
    if halved is not None:
        text += f" → 未就学児 {yen(reduced)} × 1/2 = {yen(halved)}円 (1円未満切捨て)"
    return text


def _income_text(m: MemberTrace, levy: Levy, part: PartTrace, month: int) -> str:
    if levy.maternity:
        return f"所得割 ({m.id}): 産前産後期間のため免除 0円"
    base, note = m.total, ""
    if m.unemployed >> month & 1 and m.unemployed_salary is not None:
        base = m.total - m.salary + m.unemployed_salary
        note = f" [非自発的失業者: 給与所得 {yen(m.salary)} × 30/100 = {yen(m.unemployed_salary)}円として算定]"
    if base <= m.deduction:
        return f"所得割 ({m.id}): {yen(base)} − 基礎控除 {yen(m.deduction)} が0以下のため 0円{note}"
    return (f"所得割 ({m.id}): ({yen(base)} − 基礎控除 {yen(m.deduction)}) × "
            f"{part.rates.income_rate_text}% = {yen(levy.income)}円 (1円未満切捨て){note}")


def _per_capita_text(m: MemberTrace, levy: Levy, part: PartTrace, level: int) -> str:
    if part.key == "child" and m.child_waived:
        return f"均等割 ({m.id}): 18歳到達後最初の3月31日までのため子ども・子育て支援分の均等割なし 0円"
    if levy.maternity:
        return f"均等割 ({m.id}): 産前産後期間のため免除 0円"
    reduced, halved = part.per_capita
    return _levels(part.rates.per_capita, f"均等割 ({m.id}): {yen(part.rates.per_capita)}円", level, reduced,
                   halved if m.preschool else None)


def _per_household_text(part: PartTrace, level: int, specific: str | None) -> str:
    amount = part.rates.per_household
    text = f"平等割 (世帯): {yen(amount)}円"
    after_specific, after_level = part.per_household
    if specific is not None and part.key in SPECIFIC_PARTS:
        num, den = SPECIFIC_FACTORS[specific]
        text += (f" → {SPECIFIC_NAMES_JA[specific]} {yen(amount)} × {num}/{den} = {yen(after_specific)}円 "
                 "(1円未満切捨て)")
    return _levels(after_specific, text, level, after_level, None)


def _components(trace: Trace, part: PartTrace) -> list[tuple[str, str | None, int, str, list[int]]]:
    """(kind, member id, amount, text, months) in the order the months first meet them; a component
    with the same amount and wording in several months is told once with all of them."""
    level = trace.judgement.level
    found: dict[tuple[str, str | None, int, str], list[int]] = {}
    for s in part.segments:
        months = list(range(s.first, s.end))
        for levy in s.levies:
            m = trace.members[levy.member]
            found.setdefault(("所得割", m.id, levy.income, _income_text(m, levy, part, s.first)), []).extend(months)
            found.setdefault(("均等割", m.id, levy.per_capita, _per_capita_text(m, levy, part, level)),
                             []).extend(months)
        if s.household is not None:
            text = _per_household_text(part, level, trace.specific_household)
            found.setdefault(("平等割", None, s.household, text), []).extend(months)
    return [(kind, who, amount, text, months) for (kind, who, amount, text), months in found.items()]


def _part(trace: Trace, part: PartTrace) -> dict[str, Any]:
    fy = trace.table.fiscal_year
    name = PART_NAMES_JA[part.key]
    components = [
        {"kind": kind, "member": who, "amount": amount, "months": len(months), "rule": RULES[kind],
         "text": f"{text}; 対象月 {_months_text(fy, months)}"}
        for kind, who, amount, text, months in _components(trace, part)
    ]
    # Months with the same sum are told once.
    monthly = part.monthly()
    groups: dict[tuple[int, bool], list[int]] = {}
    for month, (amount, capped) in enumerate(monthly):
        if amount:
            groups.setdefault((amount, capped), []).append(month)
    monthly_lines = []
    for (amount, capped), months in groups.items():
        note = f" (賦課限度額 {yen(part.rates.cap)}円で頭打ち)" if capped else ""
        monthly_lines.append(f"{_months_text(fy, months)}: 所得割+均等割+平等割 = {yen(amount)}円{note}、"
                             f"月額はその12分の1")
    total = sum(amount for amount, _ in monthly)
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


def explanation(trace: Trace, output: dict[str, Any]) -> dict[str, Any]:
    """The `explain` value for a household: `trace` as the computation of `output` filled it."""
    parts = {key: _part(trace, p) for key, p in trace.parts.items()}
    inst = output["installments"]
    annual = output["annual"]
    if inst:
        inst_text = (f"年額 {yen(annual)}円を {len(inst)} 回に分けます (各回100円未満切捨て、"
                     f"端数は第1期に加算): 第1期 {inst[0]['due']} {yen(inst[0]['amount'])}円")
        if len(inst) > 1:
            inst_text += f"、第2期以降 {yen(inst[1]['amount'])}円"
    else:
        inst_text = "この年度に賦課される月がないため、納期はありません。"
    summary = [f"{p['name']}: {yen(p['annual'])}円" for p in parts.values()]
    summary.append(f"年間保険料: {yen(annual)}円 (区分ごとの100円未満切捨ての合計)")
    table = trace.table
    return {
        "summary": summary,
        "rate_file": {"fiscal_year": table.fiscal_year, "provisional": table.provisional, "source": table.source},
        "reduction": _reduction(trace.judgement, trace),
        "parts": parts,
        "installments": inst_text,
        "note": "月割: 資格取得月から喪失月の前月まで。各月 min(限度額, 所得割+均等割+平等割) ÷ 12 を合計し、"
                "区分ごとに100円未満切捨て。軽減後の均等割・平等割は1円未満切捨て。",
    }
