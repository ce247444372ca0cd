"""The evaluation design for readers: the primary result, attrition, and "How sure can we be?"
(matching and balance, the placebo check, trends before the baseline, effect sizes, the 2018
capping change).

Every figure comes from the :class:`~ipm_analysis.impact.evaluation.Evaluation` (the same
frames ``outputs.write_tables`` writes: summary.csv, effects.csv, balance.csv, trends.csv,
placebo.csv) and is only rounded here; the words are the templates' (``primary.html.j2``,
``design_*.html.j2``). The primary question is the one fixed in advance (``primary:`` in the
params); it is answered for all recruited schools (intention to treat), the completed schools
beside it; every other figure is exploratory.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping

import pandas as pd
from markupsafe import Markup

from ipm_analysis.core.rounding import MEASURE_PLACES, fmt
from ipm_analysis.core.years import year_label
from ipm_analysis.impact.design import TLA_DIFFERENCE
from ipm_analysis.impact.disclosure import SYMBOL, footnote, row_suppressed
from ipm_analysis.impact.groups import ALL, COMPLETED_ONLY, ITT, describe_group
from ipm_analysis.impact.trends import matched_on_pre_year
from ipm_analysis.reporting.html import render
from ipm_analysis.reporting.presentation import (
    HEADLINE_WORDS,
    UNIT_WORDS,
    group_order,
    matched_on_words,
    populations_differ,
    table_context,
)

#: The reader's name of each estimate of progress (effects.csv ``estimate``).
ESTIMATE_WORDS = {
    "net_change": "Net change (against similar schools)",
    "did": "Difference in differences",
    "excess_change": "Change beyond the regression-to-the-mean line",
    "change": "Plain change in progress",
}
#: The order of the effect-size table. ``pre_gap`` is a check, not an effect (it is shown with
#: the trends); the uncapped rows are the capping caveat's sensitivity figures (effects.csv
#: holds all of them).
EFFECT_ORDER = tuple(ESTIMATE_WORDS)


def _number(value: object) -> float:
    """A cell as a float (NaN for blanks, ``pd.NA`` and None)."""
    if value is None or value is pd.NA:
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _interval(
    row: Mapping, low: str = "ci_low", high: str = "ci_high", *, places: int = 2
) -> dict | None:
    """A row's 95% interval as shown, signed, to ``places`` dp; None when it has none."""
    a, b = _number(row.get(low)), _number(row.get(high))
    if math.isnan(a) or math.isnan(b):
        return None
    return {"low": fmt(a, places, signed=True), "high": fmt(b, places, signed=True)}


def _verdict(row: Mapping) -> str | None:
    """``includes_zero``, ``above_zero``, ``below_zero`` or None (no interval)."""
    low, high = _number(row.get("ci_low")), _number(row.get("ci_high"))
    if math.isnan(low) or math.isnan(high):
        return None
    if low > 0:
        return "above_zero"
    if high < 0:
        return "below_zero"
    return "includes_zero"


def group_name(group: str, n: int | None = None) -> str:
    """A group's name for readers; the TLA difference included."""
    if group == TLA_DIFFERENCE:
        return "TLA minus no TLA"
    return describe_group(group, n)


def _pick(frame: pd.DataFrame, **where: str) -> pd.Series | None:
    """The one row of ``frame`` whose columns equal ``where`` (None when absent)."""
    if frame.empty or any(c not in frame for c in where):
        return None
    keep = pd.Series(True, index=frame.index)
    for column, value in where.items():
        keep &= frame[column].eq(value)
    rows = frame[keep]
    return None if rows.empty else rows.iloc[0]


def _effect_row(ev, row: pd.Series, population: str) -> pd.Series | None:
    """The effects.csv row of summary ``row`` (None: no effect size, e.g. not progress)."""
    return _pick(
        ev.effects,
        measure=str(row["measure"]),
        estimate=str(row["estimate"]),
        group=str(row["group"]),
        population=population,
    )


def _months(value: object) -> dict | None:
    """EEF months as shown: the number and its unit (``1 month's``, ``2 months'``)."""
    months = _number(value)
    if math.isnan(months):
        return None
    m = int(months)
    return {"value": str(m), "unit": "month's" if abs(m) == 1 else "months'"}


def _estimate_figures(ev, row: pd.Series, population: str) -> dict:
    """One estimate as the primary sentence shows it: size, direction, interval, effect size
    and months (from ``ev.effects``), or suppressed."""
    if row_suppressed(row) or math.isnan(_number(row["change"])):
        return {"suppressed": True, "n": int(_number(row["n_schools"]) or 0)}
    value = _number(row["change"])
    effect = _effect_row(ev, row, population)
    size = None if effect is None else _number(effect["effect_size"])
    places = MEASURE_PLACES.get(str(row["measure"]), 2)
    shown = fmt(value, places)
    return {
        "suppressed": False,
        "n": int(_number(row["n_schools"])),
        "value": fmt(value, places, signed=True),
        "size": fmt(abs(value), places),
        "direction": "same" if float(shown) == 0 else ("more" if value > 0 else "less"),
        "ci": _interval(row, places=places),
        "verdict": _verdict(row),
        "effect_size": None if size is None or math.isnan(size) else fmt(size, signed=True),
        "months": None if effect is None else _months(effect["months"]),
    }


def primary_values(ev) -> dict:
    """The values of the primary result: the question, the intention-to-treat estimate, the
    completed schools' beside it (when the two differ), attrition and the multiplicity note.
    ``found`` is False when the report has no figure for the question (e.g. no comparison)."""
    primary = dict(ev.primary_question)
    b, o = ev.params.years
    attrition = ev.attrition()
    values = {
        "estimate": primary["estimate"],
        "measure": primary["measure"],
        "group": primary["group"],
        "group_name": describe_group(primary["group"]),
        "everyone": primary["group"] == ALL,
        "subject": ev.params.subject,
        "baseline": year_label(b),
        "outcome": year_label(o),
        "pre_year": year_label(ev.pre_year if ev.pre_year is not None else b - 1),
        "unit": "points"
        if primary["measure"] in ("progress", "scaled_score")
        else "percentage points",
        "measure_words": HEADLINE_WORDS[primary["measure"]],
        "attrition": attrition,
        "min_n": ev.params.min_n,
        "symbol": SYMBOL,
        "multiplicity": multiplicity_values(ev),
        "found": False,
        "completed": None,
    }
    row = ev.primary()
    if row is None:
        return values
    values["found"] = True
    values["itt"] = _estimate_figures(ev, row, ITT)
    completed = _pick(
        ev.summary,
        measure=primary["measure"],
        estimate=primary["estimate"],
        group=primary["group"],
        population=COMPLETED_ONLY,
    )
    if completed is not None and populations_differ(ev.summary, primary["measure"]):
        values["completed"] = _estimate_figures(ev, completed, COMPLETED_ONLY)
    return values


def multiplicity_values(ev) -> dict:
    """How many other estimates of effect the report shows with an interval (intention to
    treat: net change and excess change of each group holding its own schools, and the TLA
    difference), and how many of them would exclude 0 by chance alone (1 in 20) if the project
    did nothing. Plain changes are left out: regression to the mean moves them even then. A
    group with exactly the schools of ``all`` repeats its figures and is counted once."""
    summary = ev.summary
    if "population" not in summary:
        return {"intervals": 0, "by_chance": "0"}
    rows = summary[
        summary["population"].eq(ITT)
        & summary["estimate"].isin(["net_change", "excess_change"])
        & summary["ci_low"].notna()
    ]
    membership = ev.memberships.get(ITT)
    repeats = set()
    if membership is not None and "all" in membership:
        repeats = {
            g for g in membership.columns if g != "all" and membership[g].equals(membership["all"])
        }
    rows = rows[~rows["group"].isin(repeats)]
    others = max(len(rows) - (1 if ev.primary() is not None else 0), 0)
    return {"intervals": others, "by_chance": fmt(others / 20, 0)}


def primary_sentence(ev) -> str:
    """The primary result as plain text (what report_info.json records)."""
    text = render("primary_sentence.html.j2", p=primary_values(ev))
    return html.unescape(" ".join(text.split()))


def primary_block(ev) -> str:
    """The primary result for the top of the page: the sentence with its interval, effect
    size and months, what it can and cannot rule out, the completed schools beside it,
    attrition, and the note that every other figure is exploratory."""
    values = primary_values(ev)
    sentence = Markup(" ".join(render("primary_sentence.html.j2", p=values).split()))
    return render("primary.html.j2", p=values, sentence=sentence)


# --- How sure can we be? -----------------------------------------------------------------


def balance_frame(ev) -> pd.DataFrame:
    """The balance table for readers: each matched variable's mean over the project schools,
    all other schools and the matched comparison, and the standardised mean differences."""
    columns = [
        "Project schools",
        "All other schools",
        "Matched comparison",
        "SMD before matching",
        "SMD after matching",
        "Flag",
    ]
    if ev.balance.empty:
        return pd.DataFrame(columns=columns)
    b = ev.balance
    frame = pd.DataFrame(
        {
            "Project schools": [fmt(_number(v)) for v in b["project_mean"]],
            "All other schools": [fmt(_number(v)) for v in b["pool_mean"]],
            "Matched comparison": [fmt(_number(v)) for v in b["matched_mean"]],
            "SMD before matching": [fmt(_number(v), signed=True) for v in b["smd_before"]],
            "SMD after matching": [fmt(_number(v), signed=True) for v in b["smd_after"]],
            "Flag": [str(f) if isinstance(f, str) else "" for f in b["flag"]],
        },
        index=pd.Index(b["description"].astype(str).to_numpy(), name="Variable"),
    )
    return frame[columns]


def matching_values(ev) -> dict:
    """What the comparison matched on, k, the caliper, the pool's size and the balance."""
    fit = _pick(ev.summary, measure="rtm_fit")
    flagged = []
    if not ev.balance.empty:
        flagged = [
            {"name": str(r.description), "flag": str(r.flag), "smd": fmt(r.smd_after, signed=True)}
            for r in ev.balance.itertuples()
            if isinstance(r.flag, str) and r.flag
        ]
    return {
        "has_comparison": not ev.balance.empty,
        "k": ev.params.match_k,
        "matched_on": matched_on_words(ev.match_on),
        "caliper": None if ev.params.caliper is None else fmt(ev.params.caliper),
        "pool": None if fit is None else int(_number(fit["n_schools"])),
        "flagged": flagged,
        "balance": table_context(balance_frame(ev)),
    }


def matching_block(ev) -> str:
    """How the comparison was built and how alike it is (the balance table)."""
    return render("design_matching.html.j2", m=matching_values(ev))


def placebo_frame(ev, population: str = ITT) -> pd.DataFrame:
    """Each group's net change beside its pseudo-projects' (placebo.csv, one population)."""
    columns = [
        "Net change",
        "Pseudo-projects: mean",
        "Middle 95% of pseudo-projects",
        "Pseudo-projects at least as large",
        "p (two-sided)",
    ]
    if ev.placebo.empty:
        return pd.DataFrame(columns=columns)
    rows = ev.placebo[ev.placebo["population"].eq(population)]
    places = MEASURE_PLACES.get(str(ev.comparison_measure), 2)
    body, index = [], []
    for group in group_order(list(dict.fromkeys(rows["group"]))):
        r = rows[rows["group"].eq(group)].iloc[0]
        index.append(group_name(group, int(r["n_schools"])))
        if row_suppressed(r):
            body.append([SYMBOL] * len(columns))
            continue
        body.append(
            [
                fmt(_number(r["net_change"]), places, signed=True),
                fmt(_number(r["placebo_mean"]), places, signed=True),
                f"{fmt(_number(r['placebo_low']), places, signed=True)} to "
                f"{fmt(_number(r['placebo_high']), places, signed=True)}",
                fmt(100 * _number(r["share_at_least"]), 0) + "%",
                fmt(_number(r["p_value"])),
            ]
        )
    return pd.DataFrame(body, columns=columns, index=pd.Index(index, name="Group"))


def placebo_values(ev) -> dict | None:
    """The placebo check of the primary group (intention to treat), for its sentence."""
    group = ev.primary_question["group"]
    row = _pick(ev.placebo, population=ITT, group=group)
    if row is None:
        return None
    values = {
        "group_name": describe_group(group),
        "everyone": group == ALL,
        "n": int(row["n_schools"]),
        "n_draws": f"{int(row['n_draws']):,}",
        "suppressed": row_suppressed(row) or math.isnan(_number(row["net_change"])),
        "min_n": ev.params.min_n,
    }
    if values["suppressed"]:
        return values
    p = _number(row["p_value"])
    net, mean = _number(row["net_change"]), _number(row["placebo_mean"])
    places = MEASURE_PLACES.get(str(row["measure"]), 2)
    primary = ev.primary()
    values.update(
        {
            "net": fmt(net, places, signed=True),
            "mean": fmt(mean, places, signed=True),
            "low": fmt(_number(row["placebo_low"]), places, signed=True),
            "high": fmt(_number(row["placebo_high"]), places, signed=True),
            # the primary result is its interval; a placebo check that disagrees is secondary
            "primary_includes_zero": primary is not None
            and ev.primary_question["estimate"] == "net_change"
            and _verdict(primary) == "includes_zero",
            "share": fmt(100 * _number(row["share_at_least"]), 0),
            "p": fmt(p),
            "verdict": None
            if math.isnan(p)
            else ("common" if p >= 0.05 else ("rare_high" if net > mean else "rare_low")),
        }
    )
    return values


def placebo_block(ev) -> str:
    """Where the project's net change falls among pseudo-projects of similar schools."""
    frame = placebo_frame(ev)
    return render(
        "design_placebo.html.j2",
        p=placebo_values(ev),
        t=None if frame.empty else table_context(frame),
        footnote=footnote(ev.params.min_n) if (frame == SYMBOL).any().any() else "",
    )


def event_study_rows(ev, population: str = ITT) -> pd.DataFrame:
    """The event study of one population (trends.csv rows), for the chart."""
    if ev.event_study.empty:
        return ev.event_study
    return ev.event_study[ev.event_study["population"].eq(population)].reset_index(drop=True)


def trends_values(ev) -> dict:
    """The parallel-trends check (``pre_gap``) and the difference in differences (``did``) of
    the primary group, intention to treat; ``pre_year`` False when the files hold no year
    before the baseline."""
    group = ev.primary_question["group"]
    b, o = ev.params.years
    measure = ev.trend_measure
    pre = _pick(ev.summary, measure=measure, estimate="pre_gap", group=group, population=ITT)
    did = _pick(ev.summary, measure=measure, estimate="did", group=group, population=ITT)
    years = event_study_rows(ev)
    before = ev.pre_year if ev.pre_year is not None else b - 1
    places = MEASURE_PLACES.get(measure or "", 2)
    values = {
        "group_name": describe_group(group),
        "pre_year": pre is not None,
        "before": year_label(before),
        "measure_words": HEADLINE_WORDS.get(measure or "", ""),
        "comparison_words": HEADLINE_WORDS.get(ev.comparison_measure or "", ""),
        "other_measure": measure is not None and measure != ev.comparison_measure,
        "subject": ev.params.subject,
        "unit": UNIT_WORDS.get(measure or "", ""),
        "baseline": year_label(b),
        "outcome": year_label(o),
        "has_study": not years.empty,
        "first_year": year_label(int(years["year"].min())) if not years.empty else None,
        "symbol": SYMBOL,
        # matched on the year before the baseline: agreement that year is by construction
        "matched_before": measure is not None
        and matched_on_pre_year(ev.match_on, measure, before, b),
        "earlier": _earlier_gap(years, group, before, places),
    }
    for name, row in (("pre", pre), ("did", did)):
        if row is None:
            values[name] = None
        elif row_suppressed(row) or math.isnan(_number(row["change"])):
            values[name] = {"suppressed": True}
        else:
            values[name] = {
                "suppressed": False,
                "value": fmt(_number(row["change"]), places, signed=True),
                "ci": _interval(row, places=places),
                "verdict": _verdict(row),
            }
    return values


def _earlier_gap(years: pd.DataFrame, group: str, pre_year: int, places: int = 2) -> dict | None:
    """The earliest year before the pre-year (one no default matching uses): its gap change
    from the baseline year, as trends.csv has it; None without one."""
    if years.empty:
        return None
    rows = years[years["group"].eq(group) & (years["year"] < pre_year)]
    if rows.empty:
        return None
    row = rows.sort_values("year").iloc[0]
    if row_suppressed(row) or math.isnan(_number(row["gap_change"])):
        return None
    return {
        "year": year_label(int(row["year"])),
        "value": fmt(_number(row["gap_change"]), places, signed=True),
        "ci": _interval(row, places=places),
        "verdict": _verdict(row),
    }


def trends_block(ev) -> str:
    """The sentence under the event study: the gap's change before the baseline, and the
    difference in differences when the files hold the year before the baseline."""
    return render("design_trends.html.j2", t=trends_values(ev))


def effects_frame(ev, population: str = ITT) -> pd.DataFrame:
    """Every progress estimate of ``population`` (effects.csv) in points, effect size and EEF
    months, the primary group first within each estimate."""
    columns = [
        "Group",
        "Points",
        "95% interval",
        "Effect size",
        "Effect size 95% interval",
        "Months' progress",
    ]
    if ev.effects.empty:
        return pd.DataFrame(columns=columns)
    # effect sizes exist for progress only (impact.design.effect_sizes)
    rows = ev.effects[
        ev.effects["population"].eq(population) & ev.effects["measure"].eq("progress")
    ]
    body, index = [], []
    for measure in EFFECT_ORDER:
        chosen = rows[rows["estimate"].eq(measure)]
        groups = group_order(list(dict.fromkeys(chosen["group"])))
        groups = sorted(groups, key=lambda g: g == TLA_DIFFERENCE)  # the difference last
        for group in groups:
            r = chosen[chosen["group"].eq(group)].iloc[0]
            index.append(ESTIMATE_WORDS[measure])
            name = group_name(group, int(r["n_schools"]))
            if row_suppressed(r) or math.isnan(_number(r["effect"])):
                body.append([name, *([SYMBOL] * (len(columns) - 1))])
                continue
            ci = _interval(r)
            es_ci = _interval(r, "effect_size_low", "effect_size_high")
            months = _number(r["months"])
            body.append(
                [
                    name,
                    fmt(_number(r["effect"]), signed=True),
                    "-" if ci is None else f"{ci['low']} to {ci['high']}",
                    fmt(_number(r["effect_size"]), signed=True),
                    "-" if es_ci is None else f"{es_ci['low']} to {es_ci['high']}",
                    "-" if math.isnan(months) else str(int(months)),
                ]
            )
    return pd.DataFrame(body, columns=columns, index=pd.Index(index, name="Estimate"))


def effect_sizes_block(ev) -> str:
    """The effect-size table and where its standard deviation comes from."""
    sigma, source = ev.sigma
    frame = effects_frame(ev)
    return render(
        "design_effects.html.j2",
        t=None if frame.empty else table_context(frame),
        sigma=fmt(_number(sigma)),
        has_sigma=not math.isnan(_number(sigma)),
        has_progress="progress" in ev.measures,
        source=source,
        subject=ev.params.subject,
        outcome=year_label(ev.params.outcome_year),
        footnote=footnote(ev.params.min_n) if (frame == SYMBOL).any().any() else "",
    )


def capping_values(ev) -> dict | None:
    """The 2018 capping caveat (None when the years do not straddle it): the primary group's
    net change with the outcome's capped and uncapped scores."""
    if not ev.crosses_capping:
        return None
    group = ev.primary_question["group"]
    b, o = ev.params.years
    figures = {}
    for measure in ("net_change", "net_change_uncapped"):
        row = _pick(ev.summary, measure="progress", estimate=measure, group=group, population=ITT)
        if row is None:
            figures[measure] = None
        elif row_suppressed(row) or math.isnan(_number(row["change"])):
            figures[measure] = {"suppressed": True}
        else:
            figures[measure] = {
                "suppressed": False,
                "value": fmt(_number(row["change"]), signed=True),
                "ci": _interval(row),
            }
    return {
        "baseline": year_label(b),
        "outcome": year_label(o),
        "group_name": describe_group(group),
        "capped": figures["net_change"],
        "uncapped": figures["net_change_uncapped"],
        "symbol": SYMBOL,
    }


def capping_block(ev) -> str:
    """The caveat and sensitivity figure when the years cross the 2018 capping change ('' when
    they do not)."""
    values = capping_values(ev)
    return "" if values is None else render("design_capping.html.j2", c=values)


def report_info_design(ev) -> dict:
    """The design facts report_info.json records (plain values: no NaN)."""
    sigma, source = ev.sigma
    row = ev.primary()

    def plain(value: object) -> float | None:
        number = _number(value)
        return None if math.isnan(number) else number

    def whole(value: object) -> int | None:
        number = plain(value)
        return None if number is None else int(number)

    effect = None
    if row is not None:
        effect = _effect_row(ev, row, ITT)
    return {
        "primary": {
            **dict(ev.primary_question),
            "population": ITT,
            "question": primary_question(ev),
            "sentence": primary_sentence(ev),
            "n_schools": None if row is None else whole(row["n_schools"]),
            "change": None if row is None else plain(row["change"]),
            "ci_low": None if row is None else plain(row["ci_low"]),
            "ci_high": None if row is None else plain(row["ci_high"]),
            "effect_size": None if effect is None else plain(effect["effect_size"]),
            "months": None if effect is None else whole(effect["months"]),
        },
        "attrition": {k: int(v) for k, v in ev.attrition().items()},
        "match_on": list(ev.match_on),
        "match_k": int(ev.params.match_k),
        "caliper": ev.params.caliper,
        "sigma": plain(sigma),
        "sigma_source": source,
        "crosses_capping": bool(ev.crosses_capping),
    }


def primary_question(ev) -> str:
    """The primary question in words (plain text)."""
    text = render("primary_question.html.j2", p=primary_values(ev))
    return html.unescape(" ".join(text.split()))
