import os
from pathlib import Path

import pytest

from ipm_analysis.core.errors import InputError
from ipm_analysis.focus.sigma import estimate_sigma, resolve_sigma

from focus_fixtures import write_csv

HAMPSHIRE_2019 = Path("2018-2019") / "850_ks2final.csv"


def test_estimate_from_a_tiny_table(tmp_path):
    path = write_csv(
        tmp_path,
        "t.csv",
        (
            "RECTYPE,LEA,URN,URN_AC,SCHNAME,TELIG,MATPROG_LOWER,MATPROG_UPPER,MATCOV\n"
            "1,850,1,0,A,20,-3,1,100%\n"  # 2 x sqrt(20) / 1.96 = 4.563405
            "1,850,2,0,B,50,-1.5,1.5,90%\n"  # 1.5 x sqrt(45) / 1.96 = 5.133830
            "1,850,3,0,C,4,SUPP,SUPP,SUPP\n"
            "3,850,,0,LA,900,-1,1,99%\n"
        ),
    )
    result = estimate_sigma(path, 2019, "maths")
    assert result.n_schools == 2 and result.derived
    assert result.value == pytest.approx((4.563405 + 5.133830) / 2, abs=1e-5)


def test_packaged_2019_and_missing_year(tmp_path):
    assert resolve_sigma(2019, "maths", None).value == 5.38985717
    assert resolve_sigma(2019, "reading", None).value == 6.17358373
    with pytest.raises(InputError, match="performance_table"):
        resolve_sigma(2018, "maths", None)


def test_real_hampshire_2019_maths_matches_the_published_sigma():
    root = os.environ.get("IPM_DFE_DATA")
    if root is None:
        pytest.skip("IPM_DFE_DATA is not set: the real DfE files are needed for this check")
    path = Path(root) / HAMPSHIRE_2019
    assert path.is_file(), f"IPM_DFE_DATA is set but {path} is missing"
    result = estimate_sigma(path, 2019, "maths")
    assert result.value == pytest.approx(5.38985717, abs=0.05)
    assert result.n_schools > 300
