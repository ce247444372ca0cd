"""Placebo check: what net change do schools like the project's show with no project at all?

A pseudo-project takes, for each project school, one of the pool schools closest to it (same
matching variables, so the same size and baseline profile) and measures that school's net
change against its own match set, drawn from the rest of the pool, exactly as a project school's
is measured. Thousands of pseudo-projects give the spread of net changes that chance and
regression to the mean produce by themselves; the report says where the project's net change
falls in it. Everything is computed once per candidate school and each draw is a row of one
index matrix, so 2,000 pseudo-projects cost milliseconds.

A candidate's match set is drawn from the whole pool except itself, so other members of the
same pseudo-project may sit in it: with a pool of hundreds and candidates of a few dozen,
that changes little and errs towards pseudo-projects that look more alike, not less.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ipm_analysis.impact.matching import (
    bias_coefficients,
    match_sets,
    set_adjustment,
    set_positions,
)

#: Pool schools closest to each project school that a pseudo-project may take in its place.
CANDIDATES = 10
#: The columns of :func:`placebo_table` (``placebo.csv``).
PLACEBO_COLUMNS = [
    "measure",
    "population",
    "group",
    "n_schools",
    "n_draws",
    "net_change",
    "placebo_mean",
    "placebo_low",
    "placebo_high",
    "share_at_least",
    "p_value",
]


def candidate_net_changes(
    project: pd.DataFrame,
    pool: pd.DataFrame,
    pool_change: pd.Series,
    match_on: Sequence[str],
    k: int,
    candidates: int = CANDIDATES,
) -> pd.DataFrame:
    """For each project school, its ``candidates`` closest pool schools and each one's own net
    change (its change minus the mean change of its ``k`` closest other pool schools).

    Returns ``urn`` (project school), ``pool_urn``, ``net_change``; ``candidates`` rows per
    matched project school (the closest first). A candidate's comparison change carries the
    same bias correction as a project school's.
    """
    near = match_sets(project, pool, match_on, k=candidates)
    near = near.groupby("urn", sort=False).head(candidates)
    used = pd.Index(near["pool_urn"].unique())
    # k + 1: the school itself is its own closest match and is dropped
    own = match_sets(pool.loc[used], pool, match_on, k=k + 1)
    own = own[own["urn"] != own["pool_urn"]]
    change = pool_change.set_axis(pool_change.index.astype(str)).astype(float)
    own = own.assign(change=change.reindex(own["pool_urn"]).to_numpy())
    comparison = own.groupby("urn")["change"].mean().reindex(used)
    # the same bias correction as the project's comparison (impact.matching)
    coefficients = bias_coefficients(pool, pool_change, match_on)
    if coefficients is not None:
        positions = set_positions(own, used, pool.index)
        comparison += set_adjustment(positions, pool.loc[used], pool, coefficients)
    net = change.reindex(used) - comparison
    return pd.DataFrame(
        {
            "urn": near["urn"].to_numpy(),
            "pool_urn": near["pool_urn"].to_numpy(),
            "net_change": net.reindex(near["pool_urn"]).to_numpy(),
        }
    )


@dataclass(frozen=True)
class CandidateTable:
    """:func:`candidate_net_changes` as one array: row i holds project school ``urns[i]``'s
    candidates' net changes (NaN-padded to the widest), ``counts[i]`` of them; built once,
    drawn from for every group."""

    urns: pd.Index
    table: np.ndarray
    counts: np.ndarray

    @classmethod
    def of(cls, candidates: pd.DataFrame) -> CandidateTable:
        frame = candidates[candidates["net_change"].notna()]
        urns = pd.Index(frame["urn"].astype(str).unique())
        row = urns.get_indexer(frame["urn"].astype(str))
        rank = frame.groupby(row, sort=False).cumcount().to_numpy()
        counts = np.bincount(row, minlength=len(urns))
        table = np.full((len(urns), int(counts.max()) if len(urns) else 0), np.nan)
        table[row, rank] = frame["net_change"].to_numpy(dtype=float)
        return cls(urns, table, counts)


def placebo_draws(
    candidates: pd.DataFrame | CandidateTable,
    urns: Sequence[str],
    weights: np.ndarray | None,
    n_draws: int,
    seed: int,
) -> np.ndarray:
    """Net changes of ``n_draws`` pseudo-projects standing in for the project schools ``urns``
    (each draw takes one candidate per school, uniformly), weighted as the project's mean.
    ``candidates``: :func:`candidate_net_changes`, or its :class:`CandidateTable` (built once
    when drawing for many groups)."""
    found = candidates if isinstance(candidates, CandidateTable) else CandidateTable.of(candidates)
    position = found.urns.get_indexer([str(u) for u in urns])
    keep = position >= 0
    if not keep.any() or n_draws < 1:
        return np.empty(0)
    rows = position[keep]
    table, counts = found.table[rows], found.counts[rows]
    rng = np.random.default_rng([seed, 2])  # its own stream, apart from any other draw
    picks = (rng.random((n_draws, len(rows))) * counts[None, :]).astype(int)
    values = table[np.arange(len(rows))[None, :], picks]
    if weights is None:
        return values.mean(axis=1)
    w = np.asarray(weights, dtype=float)[keep]
    return (values * w[None, :]).sum(axis=1) / w.sum()


def placebo_summary(net_change: float, draws: np.ndarray) -> dict[str, float]:
    """Where ``net_change`` falls among pseudo-projects' net changes: their mean and central
    95%, the share at least as large, and a two-sided p value (twice the smaller tail, with
    the observed project counted among the draws so it is never 0)."""
    draws = draws[~np.isnan(draws)]
    if draws.size == 0 or np.isnan(net_change):
        return dict.fromkeys(
            ("placebo_mean", "placebo_low", "placebo_high", "share_at_least", "p_value"),
            float("nan"),
        )
    at_least = (1 + (draws >= net_change).sum()) / (draws.size + 1)
    at_most = (1 + (draws <= net_change).sum()) / (draws.size + 1)
    low, high = np.quantile(draws, [0.025, 0.975])
    return {
        "placebo_mean": float(draws.mean()),
        "placebo_low": float(low),
        "placebo_high": float(high),
        "share_at_least": float(at_least),
        "p_value": float(min(1.0, 2 * min(at_least, at_most))),
    }
