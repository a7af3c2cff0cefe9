"""maps.style: industries as people write them, matched to the palette by rule, and one colour per
industry that the HTML legend and the static map share."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.colors import to_hex

from sxmap.maps import html as H
from sxmap.maps import style as st
from test_html import read_fixture


@pytest.mark.parametrize("written, matched", [
    ("集成电路", "集成电路/半导体"),
    ("半导体及集成电路", "集成电路/半导体"),
    (" 生物医药产业 ", "生物医药"),
    ("生物医药", "生物医药"),
    ("医疗器械", "医疗器械"),  # not 生物医药 although it is medicine too
    ("新能源汽车", "新能源汽车"),  # not 新能源
    ("光伏", "新能源"),
    ("高端装备制造", "高端装备"),
    ("数字经济产业", "数字经济"),
    ("集成电路\u3000设计与芯片制造", "集成电路/半导体"),  # an ideographic space folded; both parts name one industry
    ("新能源、新材料", "新能源、新材料"),  # two industries: kept as written, not guessed
    ("生物质发电", "生物质发电"),  # 生物 alone is not 生物医药
    ("文旅", "文旅"),
    ("其他", "其他"),
    ("", ""), (None, ""), ("  ", ""),
])
def test_free_text_industries_match_the_palette_by_rule(written, matched):
    assert st.match_industry(written) == matched


def test_industries_outside_the_palette_each_get_their_own_colour():
    names = ["文旅", "现代服务业", "商贸物流", "新能源", "", "其他"]
    colours = st.industry_colours(names)
    assert list(colours) == ["新能源", "其他", "商贸物流", "文旅", "现代服务业", ""]  # legend order, blank last
    extras = [colours[n] for n in ("文旅", "现代服务业", "商贸物流")]
    assert len(set(extras)) == 3 and not set(extras) & set(st.INDUSTRY_COLOURS.values())
    assert colours["新能源"] == st.INDUSTRY_COLOURS["新能源"] and colours[""] == st.NOT_STATED_COLOUR
    assert st.industry_label("", "zh") == "未注明" and st.industry_label(None, "en") == "not stated"
    # an industry keeps its colour when other industries come and go (unless two names clash)
    assert st.industry_colours(["文旅"])["文旅"] == colours["文旅"]
    many = st.industry_colours([f"行业{i}" for i in range(len(st.EXTRA_COLOURS) + 2)])
    assert len(set(many.values())) == len(st.EXTRA_COLOURS) + 1  # the ones beyond the extras are 其他 grey
    written = st.industry_colour_map(["集成电路", "集成电路/半导体", "文旅", ""])
    assert written["集成电路"] == written["集成电路/半导体"] == st.INDUSTRY_COLOURS["集成电路/半导体"]


INDUSTRIES_AS_WRITTEN = ["集成电路", "生物医药产业", "文旅", "现代服务业", "", "新能源", "文旅"]


@pytest.fixture(scope="module")
def written_projects():
    from sxmap.geo.projects import to_geoframe

    frame = read_fixture("projects")
    frame["industry"] = INDUSTRIES_AS_WRITTEN
    frame["location_precision"] = "site"
    return to_geoframe(frame)


def html_industry_legend(m):
    section = next(s for s in m.sx_legend if s["title"] == st.text("industry", m.sx_lang))
    return [(item["label"], item["colour"]) for item in section["items"]]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_html_and_static_maps_show_the_same_industries_in_the_same_colours(written_projects, lang):
    from sxmap.maps.static import markers_figure

    m = H.markers_map(written_projects, tiles="none", lang=lang)
    legend = html_industry_legend(m)
    not_stated = "未注明" if lang == "zh" else "not stated"
    biomedicine = "生物医药" if lang == "zh" else "Biomedicine"
    assert [label for label, _ in legend][-1] == not_stated and biomedicine in dict(legend)
    assert "其他" not in dict(legend) and "（空）" not in dict(legend) and "(none)" not in dict(legend)
    assert len({colour for _, colour in legend}) == len(legend) == 6  # 集成电路/半导体 生物医药 新能源 文旅 现代服务业 未注明
    figure = markers_figure(written_projects, lang=lang, size="16x12cm")
    try:
        markers = [to_hex(line.get_markerfacecolor()) for line in figure.figure.lines]
        assert markers[:len(legend)] == [colour for _, colour in legend]
        texts = figure.texts["legend"]
        positions = [next(i for i, t in enumerate(texts) if t and label.startswith(t)) for label, _ in legend]
        assert positions == sorted(positions)
        # each project is drawn in the colour its industry has in the legend
        drawn = set()
        for collection in figure.map_ax.collections:
            drawn |= {to_hex(c) for c in np.atleast_2d(collection.get_facecolors()) if len(c)}
        assert {colour for _, colour in legend} <= drawn
    finally:
        figure.close()


def test_kml_export_colours_industries_as_the_maps_do(runner, tmp_path):
    import xml.etree.ElementTree as ET

    from sxmap.cli import main
    from sxmap.geo.boundaries import district_anchor

    lon, lat = district_anchor(330602)
    source = tmp_path / "industries.csv"
    source.write_text("项目名称,所在区县,产业,经度,纬度\n" + "".join(
        f"项目{i},越城区,{industry},{lon},{lat}\n" for i, industry in enumerate(["集成电路", "文旅", ""])),
        encoding="utf-8")
    out = tmp_path / "p.kml"
    result = runner.invoke(main, ["export", "--projects", str(source), "-o", str(out)])
    assert result.exit_code == 0, result.output
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    root = ET.parse(out).getroot()
    styles = {s.get("id"): s.find("k:IconStyle/k:color", ns).text for s in root.iter(f"{{{ns['k']}}}Style")}
    used = {p.find("k:name", ns).text: styles[p.find("k:styleUrl", ns).text.lstrip("#")]
            for p in root.iter(f"{{{ns['k']}}}Placemark")}
    colours = st.industry_colour_map(["集成电路", "文旅", ""])

    def kml(hex_colour):
        return ("ff" + hex_colour[5:7] + hex_colour[3:5] + hex_colour[1:3]).lower()

    assert used == {"项目0": kml(colours["集成电路"]), "项目1": kml(colours["文旅"]), "项目2": kml(colours[""])}
    assert len(set(used.values())) == 3
