"""The evaluation design's params as a user writes them wrong: each an `ipm validate` process,
exit 2, one paragraph naming the params file, the key and its line; never a traceback."""

from __future__ import annotations

import pytest

from conftest import REPO, ipm

EXAMPLE = REPO / "params" / "ipm_2017_18.yaml"


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("match_on: [baseline, size]", "'match_on' (line 29) has size; choose from baseline"),
        ("match_on: [cohort_size]", "'match_on' (line 29) must include baseline"),
        ("match_on: baseline, prior", "'match_on' (line 29) has prior; choose from baseline"),
        ("caliper: -0.5", "'caliper' (line 29) must be a positive distance"),
        ("caliper: wide", "'caliper' (line 29) must be a number"),
        ("primary: {measure: reading}", "'primary' (line 29) measure must be one of progress"),
        ("primary: {group: everyone, outcome: x}", "'primary' (line 29) has 'outcome'"),
        # any measure may be asked for with any estimate, but only an estimate the report makes
        ("primary: {estimate: effect}", "'primary' (line 29) estimate must be one of net_change"),
        ("n_placebo: 50", "'n_placebo' (line 29) must be 0 (no placebo check) or at least 100"),
        ("n_resamples: 10000", "'n_resamples' (line 29) is not a parameter: intervals are no"),
        ("exclude_from_pool: cohort1", "'exclude_from_pool' (line 29) has 'cohort1'"),
    ],
)
def test_a_wrong_design_parameter_is_one_paragraph_and_exit_2(tmp_path, line, says):
    text = EXAMPLE.read_text(encoding="utf-8").replace("../", f"{REPO}/")
    lines = text.rstrip("\n").split("\n")
    assert len(lines) == 28  # the added line is line 29
    params = tmp_path / "p.yaml"
    params.write_text(text.rstrip("\n") + f"\n{line}\n", encoding="utf-8")
    done = ipm("validate", str(params))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert str(params) in done.stderr and says in done.stderr, done.stderr
    assert not done.stdout.strip()
