"""Academy conversions: old -> new, new -> old, and a conversion that never happened."""

from __future__ import annotations

from ipm_analysis.inputs.dfe_tables import read_performance_table
from ipm_analysis.inputs.linking import (
    NEW_TO_OLD,
    NOT_FOUND,
    OLD_TO_NEW,
    SAME,
    link_urns,
    touched_urns,
)

from conftest import school, write_table


def tables(tmp_path):
    y1 = write_table(
        tmp_path / "a.csv",
        [
            school("111111", "1", "1%", URN_AC="222222"),  # converts: 222222 in 2018
            school("333333", "1", "1%", URN_AC="444444"),  # announced, never happened
            school("555555", "1", "1%"),
        ],
    )
    y2 = write_table(
        tmp_path / "b.csv",
        [
            school("222222", "1", "1%"),
            school("333333", "1", "1%"),
            school("555555", "1", "1%", URN_AC="666666"),  # converts after 2018
        ],
    )
    return {2017: read_performance_table(y1, 2017), 2018: read_performance_table(y2, 2018)}


def test_each_rule_in_order(tmp_path):
    links = link_urns(["111111", "222222", "333333", "666666", "999999"], tables(tmp_path))
    assert links.loc["111111", "linked_urn_2018"] == "222222"
    assert links.loc["111111", "link_2018"] == OLD_TO_NEW
    assert links.loc["222222", "linked_urn_2017"] == "111111"
    assert links.loc["222222", "link_2017"] == NEW_TO_OLD
    # the old URN is looked up first, so a conversion that never happened changes nothing
    assert links.loc["333333", "linked_urn_2018"] == "333333"
    assert links.loc["333333", "link_2018"] == SAME
    # roster lists a new URN that no file has yet: found through URN_AC of the old row
    assert links.loc["666666", "linked_urn_2017"] == "555555"
    assert links.loc["666666", "link_2018"] == NEW_TO_OLD
    assert links.loc["999999", "link_2017"] == NOT_FOUND
    assert touched_urns(links.loc[["111111"]]) == {"111111", "222222"}


def test_real_hampshire_academy_conversion(dfe_data):
    # Gomer Junior School: 116181 in the 2017 file, 144093 in the 2018 file
    t = {
        y: read_performance_table(dfe_data / f"{y - 1}-{y}" / "850_ks2final.csv", y)
        for y in (2017, 2018)
    }
    links = link_urns(["116181", "144093"], t)
    assert links.loc["116181", "linked_urn_2018"] == "144093"
    assert links.loc["144093", "linked_urn_2017"] == "116181"
