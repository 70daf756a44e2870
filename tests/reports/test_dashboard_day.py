"""The reviewer's dashboard and completeness list (issue 13, point 3): server-side SVG charts, one count of the
reports due across the page, Vietnamese numbers, downloads named after their content, the missing units first."""

import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from reports import aggregation, services
from reports.models import DeadlineExtension, StatRollup
from reports.templatetags.reports_tags import format_number, vn_percent
from tests import factories as f
from units.models import Level

from .conftest import BASE_FIGURES, YEAR, make_round, today

BIG_FIGURES = dict(BASE_FIGURES, households_learning_family={"numerator": 1234, "denominator": 1763})


@pytest.fixture
def province_round(tree, campaign):
    """The province sends its own summary report too (to the Ministry), as Hà Tĩnh does in the demo."""
    return make_round(campaign, tree["p1"], Level.PROVINCE, summary=True)


@pytest.fixture
def accepted(tree, rounds, people):
    draft = services.report_create(unit=tree["c1"], year=YEAR, by=people["officer1"])
    services.report_update(report=draft, by=people["officer1"], version=1, figures=BIG_FIGURES)
    services.report_submit(report=draft, by=people["officer1"])
    services.report_accept(report=draft, by=people["reviewer"])
    return draft


def _page(client, user, url) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _dashboard(client, people, tree, indicator="households_learning_family") -> str:
    return _page(client, people["reviewer"],
                 f"/reports/dashboard/?unit={tree['p1'].pk}&year={YEAR}&indicator={indicator}")


# --- one count of the reports due ------------------------------------------------------------------------------


def test_reports_due_on_the_dashboard_count_the_units_own_report_as_the_rollup_does(
        client, tree, rounds, province_round, people, accepted):
    aggregation.stats_rebuild(year=YEAR)
    on_time = StatRollup.objects.get(unit=tree["p1"], year=YEAR, indicator="reports_on_time")
    # Expected: the province itself, two communes, two schools. The rollup always counted the province's own
    # report; the completeness line left it out ("Phải gửi 4" beside "1/5" on one page).
    assert (on_time.numerator, on_time.denominator) == (1, 5)
    page = _dashboard(client, people, tree, "reports_on_time")
    assert "Phải gửi 5 · đã gửi 1 · đúng hạn 1 · đã tiếp nhận 1" in page


def test_completeness_page_lists_the_units_own_report_and_its_total_matches_the_rows(
        client, tree, rounds, province_round, people, accepted):
    page = _page(client, people["reviewer"], f"/reports/completeness/?unit={tree['p1'].pk}&year={YEAR}")
    own_row = re.search(r'<tr class="own-row">(.*?)</tr>', page, re.S).group(1)
    assert tree["p1"].name in own_row and "báo cáo của chính đơn vị" in own_row
    footer = re.search(r"<tfoot>(.*?)</tfoot>", page, re.S).group(1)
    assert re.findall(r'class="num">(\d+)<', footer) == ["5", "1", "1", "1"]
    # The province's own missing report is listed, without an extension form its reviewer could not grant.
    missing = page.split('id="missing"')[1]
    assert missing.count('name="new_deadline"') == 3  # c2 and both schools, not the province itself


def test_api_completeness_keeps_one_row_per_child_unit(api_client, tree, rounds, province_round, people):
    api_client.force_authenticate(people["reviewer"])
    body = api_client.get(f"/api/v1/completeness/?unit={tree['p1'].pk}&year={YEAR}").json()
    assert {r["unit"]["id"] for r in body["results"]} == {tree["c1"].pk, tree["c2"].pk}


# --- Vietnamese numbers ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "decimals", "expected"), [
    (1234567, None, "1.234.567"), (Decimal("1234.5"), 1, "1.234,5"), (Decimal("69.995"), 2, "70,00"),
    (Decimal("69.994"), 2, "69,99"), (0, None, "0"), (None, None, "—"),
])
def test_numbers_are_written_the_vietnamese_way_and_rounded_half_up(value, decimals, expected):
    assert format_number(value, decimals) == expected


def test_percent_filter_writes_a_whole_target_without_decimals():
    assert vn_percent(Decimal("70.00"), 0) == "70%" and vn_percent(None) == "—"


def test_dashboard_writes_counts_with_thousands_separators(client, tree, rounds, people, accepted):
    aggregation.stats_rebuild(year=YEAR)
    page = _dashboard(client, people, tree)
    assert "1.234" in page and "1.763" in page and "69,99%" in page
    assert ">1234<" not in page and ">1763<" not in page


# --- charts ----------------------------------------------------------------------------------------------------


def test_attainment_chart_is_server_side_svg_with_each_units_target(client, tree, rounds, people, accepted, campaign):
    from campaigns.models import Target

    Target.objects.create(unit=tree["p1"], indicator="households_learning_family", year=YEAR,
                          percentage=Decimal("70"), campaign=campaign)
    aggregation.stats_rebuild(year=YEAR)
    page = _dashboard(client, people, tree)
    chart = re.search(r'<svg class="chart chart-attainment".*?</svg>', page, re.S).group(0)
    assert "<title" in chart and 'role="img"' in chart
    assert tree["c1"].name in chart and "69,99%" in chart
    assert 'class="chart-target"' in chart and "Chỉ tiêu: 70,00%" in chart and "below-target" in chart
    assert tree["c2"].name in chart and "chưa có số liệu" in chart  # same units as the table, none left out
    assert "style=" not in chart and "<script" not in chart  # the CSP refuses both


def test_attainment_chart_marks_the_target_and_a_bar_below_it(client, tree, rounds, people, accepted):
    from reports import charts

    rows = [{"unit": tree["c1"], "percentage": Decimal("69.99"), "target": Decimal("70"), "on_track": False},
            {"unit": tree["c2"], "percentage": Decimal("80"), "target": Decimal("70"), "on_track": True}]
    svg = str(charts.attainment_chart(rows, title="t"))
    assert svg.count('class="chart-target"') == 2 and svg.count("below-target") == 1
    assert "Chỉ tiêu: 70,00%" in svg


def test_trend_chart_spans_the_campaign_across_the_reform_with_the_running_year_open(
        client, tree, rounds, people, accepted):
    aggregation.stats_rebuild(year=YEAR)
    page = _dashboard(client, people, tree)
    chart = re.search(r'<svg class="chart chart-trend".*?</svg>', page, re.S).group(0)
    for year in range(2023, 2031):
        assert f">{year}</text>" in chart
    assert "Sắp xếp đơn vị hành chính 01/07/2025" in chart
    assert "chưa khóa số" in chart and 'class="chart-point open"' in chart
    assert "style=" not in chart
    trend_table = page.split('id="trend"')[1].split("</table>")[0]
    assert "chưa đến kỳ báo cáo" in trend_table if today().year < 2030 else True


def test_a_unit_name_is_escaped_inside_the_chart(client, tree, rounds, people, accepted):
    tree["c1"].name = "Xã <script>alert(1)</script>"
    tree["c1"].save()
    aggregation.stats_rebuild(year=YEAR)
    page = _dashboard(client, people, tree)
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page


# --- downloads named after their content -----------------------------------------------------------------------


def test_excel_export_is_named_after_its_content_and_writes_grouped_numbers(client, tree, rounds, people, accepted):
    tree["p1"].name, tree["p1"].short_name = "Tỉnh Đắk Lắk", "Đắk Lắk"
    tree["p1"].save()
    aggregation.stats_rebuild(year=YEAR)
    client.force_login(people["viewer"])
    response = client.get(f"/reports/dashboard/export.xlsx?unit={tree['p1'].pk}&year={YEAR}")
    assert response["Content-Disposition"] == f'attachment; filename="bao-cao-dak-lak-{YEAR}.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    row = next(r for r in sheet.iter_rows(min_row=4) if r[3].value and "Gia đình" in str(r[3].value)
               and r[0].value == tree["p1"].name)
    assert (row[4].value, row[4].number_format) == (1234, "#,##0")
    assert row[6].number_format == "#,##0.00"


# --- the completeness list: missing units first; a grant returns to where the reviewer was ---------------------


def test_reviewer_filters_completeness_to_units_still_missing_reports(client, tree, rounds, people, accepted):
    c3 = f.commune(tree["p1"], name="Xã An Khánh")  # expected, nothing sent
    url = f"/reports/completeness/?unit={tree['p1'].pk}&year={YEAR}"
    table = _page(client, people["reviewer"], url + "&missing=1").split('id="completeness"')[1].split("</table>")[0]
    body = table.split("<tbody>")[1].split("</tbody>")[0]
    # c1 sent its report but its school did not: still missing one. Every child still misses something here.
    assert tree["c1"].name in body and tree["c2"].name in body and c3.name in body
    services.report_create(unit=tree["s1"], year=YEAR, by=people["school_officer"])  # a draft is not sent
    full = _page(client, people["reviewer"], url)
    assert re.findall(r'class="num">(\d+)<', full.split("<tfoot>")[1].split("</tfoot>")[0]) == ["5", "1", "1", "1"]


def test_missing_filter_hides_complete_units_but_keeps_the_totals(client, tree, rounds, people, accepted):
    school = services.report_create(unit=tree["s1"], year=YEAR, by=people["school_officer"])
    services.report_update(report=school, by=people["school_officer"], version=1,
                           figures={"units_learning_unit": {"numerator": 1, "denominator": 1},
                                    "officials_learning_citizen": {"numerator": 5, "denominator": 9}})
    services.report_submit(report=school, by=people["school_officer"])
    url = f"/reports/completeness/?unit={tree['p1'].pk}&year={YEAR}"
    page = _page(client, people["reviewer"], url + "&missing=1&sort=missing")
    body = page.split('id="completeness"')[1].split("<tbody>")[1].split("</tbody>")[0]
    assert tree["c2"].name in body and tree["c1"].name not in body  # c1 and its school are complete
    footer = page.split("<tfoot>")[1].split("</tfoot>")[0]
    assert "Tổng (mọi đơn vị)" in footer and re.findall(r'class="num">(\d+)<', footer)[:2] == ["4", "2"]


def test_sort_by_missing_puts_the_unit_missing_most_first(client, tree, rounds, people, accepted):
    big = f.commune(tree["p1"], name="Xã A Lưới")
    f.organisation(big)
    f.organisation(big)
    page = _page(client, people["reviewer"],
                 f"/reports/completeness/?unit={tree['p1'].pk}&year={YEAR}&sort=missing")
    body = page.split('id="completeness"')[1].split("<tbody>")[1].split("</tbody>")[0]
    order = [name for name in (big.name, tree["c2"].name, tree["c1"].name) if name in body]
    assert sorted(order, key=body.index) == [big.name, tree["c2"].name, tree["c1"].name]


def test_an_unknown_sort_falls_back_to_names(client, tree, rounds, people):
    page = _page(client, people["reviewer"], f"/reports/completeness/?unit={tree['p1'].pk}&year={YEAR}&sort=x;drop")
    body = page.split('id="completeness"')[1].split("<tbody>")[1].split("</tbody>")[0]
    assert body.index(tree["c2"].name) < body.index(tree["c1"].name)  # "Phường Đông Hà" < "Xã Hòa Bình"


def test_extension_grant_returns_to_the_filtered_list(client, tree, rounds, people):
    back = f"/reports/completeness/?unit={tree['p1'].pk}&year={YEAR}&missing=1&sort=missing"
    page = _page(client, people["reviewer"], back)
    assert f'name="next" value="{back.replace("&", "&amp;")}"' in page
    response = client.post("/reports/extensions/", {"unit": tree["c2"].pk, "year": YEAR, "reason": "Mất điện",
                                                    "new_deadline": today().replace(year=today().year + 1).isoformat(),
                                                    "next": back})
    assert response.status_code == 302 and response.url == back
    assert DeadlineExtension.objects.get().unit == tree["c2"]


def test_refused_extension_returns_to_the_filtered_list_and_grants_nothing(client, tree, rounds, people):
    back = f"/reports/completeness/?unit={tree['p1'].pk}&year={YEAR}&missing=1"
    client.force_login(people["reviewer"])
    response = client.post("/reports/extensions/", {"unit": tree["c2"].pk, "year": YEAR, "reason": "Mất điện",
                                                    "new_deadline": "2020-01-01", "next": back}, follow=True)
    assert response.redirect_chain[-1][0] == back
    assert "Hạn mới phải sau hạn hiện tại và sau hôm nay." in response.content.decode()
    assert DeadlineExtension.objects.count() == 0


def test_a_viewer_cannot_grant_an_extension(client, tree, rounds, people):
    client.force_login(people["viewer"])
    response = client.post("/reports/extensions/", {"unit": tree["c2"].pk, "year": YEAR, "reason": "Mất điện",
                                                    "new_deadline": "2099-01-01"})
    assert response.status_code == 403
    assert "Chỉ cán bộ duyệt báo cáo của cấp trên đơn vị “Phường Đông Hà”" in response.content.decode()
    assert DeadlineExtension.objects.count() == 0


# --- the map: units at their centroids (no offline boundary data: reports/geo.py) ------------------------------


def test_a_reused_code_is_placed_by_its_own_era(tree):
    from reports import geo

    # 18073 was Phường Nam Hà (Thành phố Hà Tĩnh) before the reform and is Phường Thành Sen after it.
    before = f.commune(tree["p2"], name="Phường Nam Hà", code="18073", source_key="old:tinhhatinh_x_phuongnamha")
    after = tree["c1"]
    after.code, after.source_key = "18073", "new:tinhhatinh_phuongthanhsen"
    assert geo.centroid(before) == pytest.approx((18.333951, 105.905409))
    assert geo.centroid(after) == pytest.approx((18.3419, 105.903))
    district = f.commune(tree["p2"], name="Thành phố Hà Tĩnh", code="436", source_key="old:tinhhatinh_tp")
    district.level = Level.DISTRICT
    assert geo.centroid(district) == pytest.approx((18.342042, 105.892349))
    assert geo.centroid(f.commune(tree["p2"], code="", name="Không mã")) is None


def test_dashboard_map_places_child_units_and_rings_those_under_target(client, tree, rounds, people, accepted,
                                                                      campaign):
    from campaigns.models import Target

    Target.objects.create(unit=tree["p1"], indicator="households_learning_family", year=YEAR,
                          percentage=Decimal("70"), campaign=campaign)
    for unit, code in ((tree["c1"], "18073"), (tree["c2"], "18652")):
        unit.code, unit.source_key = code, f"new:test_{code}"
        unit.save()
    aggregation.stats_rebuild(year=YEAR)
    page = _dashboard(client, people, tree)
    chart = re.search(r'<svg class="chart chart-map".*?</svg>', page, re.S).group(0)
    assert chart.count("<circle") == 2 and chart.count("below-target") == 1  # c1 at 69,99% under 70%
    assert f"{tree['c1'].name}: 69,99% — chưa đạt chỉ tiêu" in chart and f"{tree['c2'].name}: chưa có số liệu" in chart
    assert "style=" not in chart and "không phải bản đồ ranh giới" in page


def test_no_map_without_located_units(client, tree, rounds, people, accepted):
    aggregation.stats_rebuild(year=YEAR)
    assert 'class="chart chart-map"' not in _dashboard(client, people, tree)  # test codes 99001/99002 are not real
