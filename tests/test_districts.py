"""geo.districts: resolving what users write."""

import pytest

from sxmap.geo.districts import BY_ADCODE, DISTRICTS, resolve_district, try_resolve_district
from sxmap.geo.errors import UnknownDistrictError


@pytest.mark.parametrize("text,adcode", [
    ("越城区", 330602), ("越城", 330602), ("Yuecheng", 330602), ("yuecheng district", 330602),
    ("YUECHENG DISTRICT", 330602), ("330602", 330602), (330602, 330602), (330602.0, 330602),
    ("绍兴市越城区", 330602), (" 越城区 ", 330602),
    ("柯桥区", 330603), ("Keqiao District", 330603), ("绍兴县", 330603),
    ("上虞", 330604), ("上虞市", 330604), ("shangyu-qu", 330604),
    ("新昌县", 330624), ("Xinchang County", 330624),
    ("诸暨市", 330681), ("Zhuji City", 330681), ("zhuji", 330681),
    ("嵊州", 330683), ("嵊县", 330683), ("Shengzhou", 330683),
])
def test_resolves_what_users_write(text, adcode):
    assert resolve_district(text).adcode == adcode


def test_unknown_name_lists_closest_valid_names():
    with pytest.raises(UnknownDistrictError) as info:
        resolve_district("Yuechen")
    assert "越城区 (Yuecheng, 330602)" in str(info.value)
    with pytest.raises(UnknownDistrictError, match="柯桥区"):
        resolve_district("柯乔区")


@pytest.mark.parametrize("text", ["", "杭州", "330100", "Hangzhou", "330699"])
def test_not_districts_of_shaoxing(text):
    with pytest.raises(UnknownDistrictError):
        resolve_district(text)
    assert try_resolve_district(text) is None


def test_six_districts_with_their_kinds():
    assert [d.adcode for d in DISTRICTS] == [330602, 330603, 330604, 330624, 330681, 330683]
    assert {d.kind_zh for d in DISTRICTS} == {"区", "县", "县级市"}
    assert BY_ADCODE[330681].label("en") == "Zhuji City"
    assert BY_ADCODE[330624].label("zh") == "新昌县"
