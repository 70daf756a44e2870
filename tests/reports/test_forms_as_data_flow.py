"""A form version defined as data, end to end: a new element with a sex breakdown, an indicator over it, a new
published version of the commune form with a blocking and a warning rule; officers fill it through the API,
the rules refuse or warn, the reviewer accepts, the rollup sums the values and `/stats/?by=sex` adds up."""

from decimal import Decimal

import pytest

from core.errors import DomainError
from definitions.models import (
    Category,
    DataElement,
    FormField,
    FormSection,
    IndicatorDefinition,
    ReportForm,
    ReportFormVersion,
    ValidationRule,
)
from reports import aggregation, services, validation
from reports.form_versions import form_version_for, layout
from reports.models import Report, ReportStatus, ReportValue, StatRollup, ValueRollup

from .conftest import BASE_FIGURES, YEAR

SLUG = "literacy_learners"
GOOD = {"lit_learned.male": 3, "lit_learned.female": 4, "lit_total.male": 5, "lit_total.female": 6}


def _copy_fields(source, target_section):
    for f in FormField.objects.filter(section=source).order_by("order"):
        FormField.objects.create(section=target_section, order=f.order, data_element=f.data_element,
                                 narrative_code=f.narrative_code, label=f.label, required=f.required)


def new_version(number, *, first_year=YEAR, literacy=True):
    """Version `number` of the commune form: v1's figures and narratives, plus (with `literacy`) a section of the
    two new elements, a required narrative "lessons", a blocking rule and a warning."""
    form = ReportForm.objects.get(code="yearly_commune")
    v1 = form.versions.get(number=1)
    version = ReportFormVersion.objects.create(form=form, number=number, title="Kết quả xây dựng xã hội học tập năm",
                                               status="published", first_year=first_year)
    figures = FormSection.objects.create(version=version, order=1, code="figures", title="Các chỉ tiêu")
    _copy_fields(v1.sections.get(code="figures"), figures)
    narrative = FormSection.objects.create(version=version, order=3, code="narrative", kind="narrative",
                                           title="Đánh giá chung")
    _copy_fields(v1.sections.get(code="narrative"), narrative)
    for rule in v1.rules.all():
        ValidationRule.objects.create(version=version, code=rule.code, left=rule.left, operator=rule.operator,
                                      right=rule.right, message=rule.message, severity=rule.severity)
    if literacy:
        section = FormSection.objects.create(version=version, order=2, code="literacy", title="Xóa mù chữ")
        for order, code in enumerate(["lit_total", "lit_learned"]):
            FormField.objects.create(section=section, order=order, data_element=DataElement.objects.get(code=code))
        FormField.objects.create(section=narrative, order=9, narrative_code="lessons", label="Bài học kinh nghiệm")
        ValidationRule.objects.create(version=version, code="learned_le_total", left="#{lit_learned}", operator="<=",
                                      right="#{lit_total}", severity="blocking",
                                      message="Số người đã học xóa mù chữ không được lớn hơn tổng số cần học.")
        ValidationRule.objects.create(version=version, code="total_le_citizens", left="#{lit_total}", operator="<=",
                                      right="#{citizens_total}", severity="warning",
                                      message="Số người cần học xóa mù chữ lớn hơn tổng số công dân: kiểm tra lại.")
    return version


@pytest.fixture
def literacy(db):
    sex = Category.objects.get(code="sex")
    DataElement.objects.create(code="lit_total", name="Số người cần học xóa mù chữ", category=sex,
                               unit_of_measure="người")
    DataElement.objects.create(code="lit_learned", name="Số người đã học xóa mù chữ", category=sex,
                               unit_of_measure="người")
    IndicatorDefinition.objects.create(slug=SLUG, name="Tỷ lệ người học xóa mù chữ", numerator="#{lit_learned}",
                                       denominator="#{lit_total}")
    return new_version(2)


def _report(tree, people, commune="c1", officer="officer1"):
    return services.report_create(unit=tree[commune], year=YEAR, by=people[officer])


def _filled(tree, people, values=GOOD, commune="c1", officer="officer1"):
    report = _report(tree, people, commune, officer)
    return services.report_update(report=report, by=people[officer], version=report.version, figures=BASE_FIGURES,
                                  values=values, narrative={"lessons": "Phối hợp với Hội Khuyến học."})


def _state(report):
    report.refresh_from_db()
    return (report.status, report.version, report.narratives,
            sorted(report.values.values_list("data_element__code", "option__code", "value")))


# --- versions -------------------------------------------------------------------------------------


def test_a_report_opens_on_the_latest_published_version_and_keeps_it_after_a_new_one(tree, rounds, people,
                                                                                      literacy):
    report = _report(tree, people)
    assert report.form_version == literacy
    v3 = new_version(3)
    report.refresh_from_db()
    assert report.form_version == literacy
    assert _report(tree, people, "c2", "officer2").form_version == v3
    # A draft version is never used; nor is one for later years.
    ReportFormVersion.objects.filter(pk=v3.pk).update(first_year=YEAR + 1)
    assert form_version_for(tree["c1"], YEAR, rounds["commune"]) == literacy


def test_no_published_version_for_the_year_refuses_the_report_naming_the_year(tree, rounds, people):
    ReportFormVersion.objects.filter(form__code="yearly_commune").update(first_year=YEAR + 1)
    with pytest.raises(DomainError) as refused:
        _report(tree, people)
    assert str(YEAR) in refused.value.message and "biểu mẫu" in refused.value.message
    assert not Report.objects.exists()


def test_the_reports_built_in_figures_follow_its_form_version(tree, rounds, people, literacy):
    report = _report(tree, people)
    assert report.required_indicators() == list(BASE_FIGURES)
    assert layout(literacy).builtin_slugs == tuple(BASE_FIGURES)


# --- values ---------------------------------------------------------------------------------------


def test_officer_fills_values_per_option_and_narratives_through_the_api(api_client, tree, rounds, people, literacy):
    report = _report(tree, people)
    api_client.force_authenticate(people["officer1"])
    response = api_client.patch(f"/api/v1/reports/{report.pk}/", {
        "version": report.version, "figures": BASE_FIGURES, "values": GOOD,
        "narratives": {"lessons": "Phối hợp tốt."}, "results": "Kết quả tốt."}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["form_version"] == {"id": literacy.pk, "form": "yearly_commune", "number": 2}
    assert body["values"] == GOOD
    assert body["narratives"]["lessons"] == "Phối hợp tốt." and body["narratives"]["results"] == "Kết quả tốt."
    assert body["period_kind"] == "yearly"
    checks = {c["rule"]: c for c in body["checks"]}
    assert checks["learned_le_total"]["passed"] and checks["learned_le_total"]["severity"] == "blocking"
    assert checks["learned_le_total"]["left_value"] == 7 and checks["learned_le_total"]["right_value"] == 11
    # A value can be cleared; the others stay.
    response = api_client.patch(f"/api/v1/reports/{report.pk}/", {
        "version": body["version"], "values": {"lit_learned.male": None}}, format="json")
    assert response.status_code == 200
    assert "lit_learned.male" not in response.json()["values"]
    assert ReportValue.objects.filter(report=report).count() == 3


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"lit_learned": 7}, "values.lit_learned", "theo từng nhóm"),
    ({"lit_learned.other": 7}, "values.lit_learned.other", "không có nhóm “other”"),
    ({"households_total.male": 7}, "values.households_total.male", "không có phân tổ"),
    ({"unknown": 1}, "values.unknown", "không có trong biểu mẫu"),
    ({"lit_total.male": -1}, "values.lit_total.male", "không được âm"),
    ({"lit_total.male": 1.5}, "values.lit_total.male", "số nguyên"),
    ({"lit_total.male": "ba"}, "values.lit_total.male", "phải là một số"),
    ({"lit_total.male": 10**13}, "values.lit_total.male", "quá lớn"),
    ({"lit_total.male": True}, "values.lit_total.male", "phải là một số"),
    ({"reports_on_time": 1}, "values.reports_on_time", "không có trong biểu mẫu"),
])
def test_a_bad_value_is_refused_naming_the_field_and_nothing_is_written(api_client, tree, rounds, people, literacy,
                                                                        values, field, message):
    report = _filled(tree, people)
    before = _state(report)
    api_client.force_authenticate(people["officer1"])
    # Good values beside the bad one: all or nothing.
    response = api_client.patch(f"/api/v1/reports/{report.pk}/", {
        "version": report.version, "values": {"lit_total.female": 9, **values}}, format="json")
    assert response.status_code == 400
    assert message in str(response.json()), response.json()
    assert field in str(response.json())
    assert _state(report) == before


def test_a_built_in_element_given_as_a_value_is_that_part_of_its_figure(tree, rounds, people, literacy):
    report = _filled(tree, people)
    report = services.report_update(report=report, by=people["officer1"], version=report.version,
                                    values={"households_recognised": 60})
    figure = report.figures.get(indicator="households_learning_family")
    assert (figure.numerator, figure.denominator) == (60, 100)
    with pytest.raises(DomainError) as refused:
        services.report_update(report=report, by=people["officer1"], version=report.version,
                               values={"households_recognised": 101})
    assert "không được lớn hơn tổng số" in refused.value.message
    figure.refresh_from_db()
    assert figure.numerator == 60


def test_a_narrative_code_not_on_the_version_is_refused(tree, rounds, people, literacy):
    report = _filled(tree, people)
    before = _state(report)
    with pytest.raises(DomainError) as refused:
        services.report_update(report=report, by=people["officer1"], version=report.version,
                               narrative={"causes": "…"})
    assert "causes" in refused.value.message and refused.value.field == "causes"
    assert _state(report) == before


# --- rules on submit ------------------------------------------------------------------------------


def test_a_failing_blocking_rule_refuses_the_submission_with_its_message(api_client, tree, rounds, people, literacy):
    report = _filled(tree, people, values={**GOOD, "lit_learned.female": 9})
    before = _state(report)
    api_client.force_authenticate(people["officer1"])
    response = api_client.post(f"/api/v1/reports/{report.pk}/submit/", {"version": report.version}, format="json")
    assert response.status_code == 400
    assert "Số người đã học xóa mù chữ không được lớn hơn tổng số cần học." in str(response.json())
    assert "values.lit_learned" in str(response.json())
    assert _state(report) == before and report.status == ReportStatus.DRAFT


def test_a_missing_option_of_a_required_element_refuses_the_submission(tree, rounds, people, literacy):
    report = _filled(tree, people, values={k: v for k, v in GOOD.items() if k != "lit_total.female"})
    before = _state(report)
    with pytest.raises(DomainError) as refused:
        services.report_submit(report=report, by=people["officer1"])
    assert refused.value.message == "Chưa nhập số liệu: Số người cần học xóa mù chữ (Nữ)."
    assert refused.value.field == "values.lit_total.female"
    assert _state(report) == before


def test_a_missing_required_narrative_refuses_the_submission(tree, rounds, people, literacy):
    report = _filled(tree, people)
    services.report_update(report=report, by=people["officer1"], version=report.version,
                           narrative={"lessons": "  "})
    with pytest.raises(DomainError) as refused:
        services.report_submit(report=report, by=people["officer1"])
    assert refused.value.message == "Chưa nhập nội dung: Bài học kinh nghiệm." and refused.value.field == "lessons"
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT


def test_a_failing_warning_does_not_block_and_is_reported(tree, rounds, people, literacy):
    report = _filled(tree, people, values={**GOOD, "lit_total.male": 600})  # more than the 500 citizens
    outcomes = {o.rule.code: o for o in validation.check_report(report)}
    assert not outcomes["total_le_citizens"].passed and outcomes["total_le_citizens"].severity == "warning"
    assert outcomes["total_le_citizens"].field == "values.lit_total"
    assert outcomes["learned_le_total"].passed
    services.report_submit(report=report, by=people["officer1"])
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_check_values_is_pure_and_sums_a_breakdown_when_no_option_is_named(literacy, django_assert_num_queries):
    version_layout = layout(literacy)
    with django_assert_num_queries(0):
        outcomes = validation.check_values(
            version_layout, {"citizens_learning_citizen": (1, 4)},
            {("lit_learned", "male"): 3, ("lit_learned", "female"): 3, ("lit_total", "male"): 5})
    by_code = {o.rule.code: o for o in outcomes}
    assert not by_code["learned_le_total"].passed and by_code["learned_le_total"].left_value == 6
    assert not by_code["total_le_citizens"].passed and by_code["total_le_citizens"].right_value == 4


def test_the_reviewer_may_comment_on_an_element_or_narrative_of_the_version(tree, rounds, people, literacy):
    report = services.report_submit(report=_filled(tree, people), by=people["officer1"])
    services.report_return(report=report, by=people["reviewer"],
                           comments={"lit_learned": "Kiểm tra số nữ.", "lessons": "Viết cụ thể hơn."})
    report.refresh_from_db()
    assert report.review_comments == {"lit_learned": "Kiểm tra số nữ.", "lessons": "Viết cụ thể hơn."}


# --- rollup and statistics ------------------------------------------------------------------------


def _accepted(tree, people, commune, officer, values):
    report = services.report_submit(report=_filled(tree, people, values, commune, officer), by=people[officer])
    return services.report_accept(report=report, by=people["reviewer"])


C2_VALUES = {"lit_learned.male": 10, "lit_learned.female": 20, "lit_total.male": 30, "lit_total.female": 40}


def _stats(api_client, **params):
    response = api_client.get("/api/v1/stats/", {"indicator": SLUG, "year": YEAR, **params})
    assert response.status_code == 200, response.json()
    return response.json()["results"]


def test_stats_by_sex_add_up_over_the_communes_to_the_province(api_client, tree, rounds, people, literacy):
    _accepted(tree, people, "c1", "officer1", GOOD)
    _accepted(tree, people, "c2", "officer2", C2_VALUES)
    aggregation.stats_rebuild(year=YEAR)
    api_client.force_authenticate(people["reviewer"])

    communes = _stats(api_client, unit=tree["p1"].pk, level="commune", by="sex")
    province = _stats(api_client, unit=tree["p1"].pk, by="sex")
    assert {(r["unit"]["code"], r["option"]["code"]) for r in communes} == {
        ("99001", "male"), ("99001", "female"), ("99002", "male"), ("99002", "female")}
    for option in ("male", "female"):
        rows = [r for r in communes if r["option"]["code"] == option]
        [total] = [r for r in province if r["option"]["code"] == option]
        assert total["numerator"] == sum(r["numerator"] for r in rows)
        assert total["denominator"] == sum(r["denominator"] for r in rows)
    [female] = [r for r in province if r["option"]["code"] == "female"]
    assert female["option"] == {"code": "female", "name": "Nữ"}
    assert (female["numerator"], female["denominator"], female["percentage"]) == (24, 46, 52.17)

    # Without `by`: the indicator's own rows, shaped exactly as the built-in ones (no option key).
    [own] = _stats(api_client, unit=tree["p1"].pk)
    assert (own["numerator"], own["denominator"], own["percentage"]) == (37, 81, 45.68)
    assert "option" not in own
    builtin = _stats(api_client, unit=tree["p1"].pk, indicator="households_learning_family")
    assert set(builtin[0]) == set(own) and (builtin[0]["numerator"], builtin[0]["denominator"]) == (140, 200)

    trend = api_client.get("/api/v1/stats/trend/", {"indicator": SLUG, "unit": tree["p1"].pk, "from": YEAR,
                                                    "to": YEAR}).json()
    assert (trend[0]["numerator"], trend[0]["denominator"], trend[0]["percentage"]) == (37, 81, 45.68)


def test_by_is_refused_for_an_indicator_without_that_breakdown(api_client, tree, rounds, people, literacy):
    api_client.force_authenticate(people["reviewer"])
    response = api_client.get("/api/v1/stats/", {"indicator": "households_learning_family", "by": "sex"})
    assert response.status_code == 400
    assert response.json()["errors"]["by"] == ["Chỉ tiêu “households_learning_family” không có phân tổ “sex”."]
    response = api_client.get("/api/v1/stats/", {"indicator": SLUG, "by": "ethnicity"})
    assert response.status_code == 400 and "không có phân tổ “ethnicity”" in str(response.json())
    response = api_client.get("/api/v1/stats/", {"indicator": "no_such_indicator"})
    assert response.status_code == 400 and response.json()["errors"]["indicator"] == ["Chỉ tiêu không hợp lệ."]


def _value_rows():
    return {(r.unit_id, r.data_element.code, r.option.code if r.option_id else None): (r.value, r.computed_at)
            for r in ValueRollup.objects.filter(year=YEAR).select_related("data_element", "option")}


def test_value_rollup_sums_every_ancestor_and_an_incremental_rebuild_touches_only_ancestors(
        tree, rounds, people, literacy):
    _accepted(tree, people, "c1", "officer1", GOOD)
    aggregation.stats_rebuild(year=YEAR)
    first = _value_rows()
    p1, c1 = tree["p1"].pk, tree["c1"].pk
    assert first[(p1, "lit_total", None)][0] == Decimal(11) and first[(p1, "lit_total", "female")][0] == 6
    assert first[(c1, "lit_learned", "male")][0] == 3

    _accepted(tree, people, "c2", "officer2", C2_VALUES)
    c2 = tree["c2"].pk
    aggregation.stats_rebuild(year=YEAR, unit_ids=[c2, p1])
    second = _value_rows()
    assert second[(c1, "lit_learned", "male")] == first[(c1, "lit_learned", "male")]  # not recomputed
    assert second[(p1, "lit_total", None)][0] == 81 and second[(p1, "lit_total", None)][1] != first[
        (p1, "lit_total", None)][1]
    assert second[(c2, "lit_learned", "female")][0] == 20
    incremental = {k: v[0] for k, v in second.items()}
    stats = {(s.unit_id, s.option_id): (s.numerator, s.denominator, s.percentage)
             for s in StatRollup.objects.filter(year=YEAR, indicator=SLUG)}

    aggregation.stats_rebuild(year=YEAR)
    assert {k: v[0] for k, v in _value_rows().items()} == incremental
    assert {(s.unit_id, s.option_id): (s.numerator, s.denominator, s.percentage)
            for s in StatRollup.objects.filter(year=YEAR, indicator=SLUG)} == stats


def test_an_element_aggregated_none_stays_at_the_reporting_unit(tree, rounds, people, literacy):
    DataElement.objects.filter(code="lit_total").update(aggregation="none")
    _accepted(tree, people, "c1", "officer1", GOOD)
    aggregation.stats_rebuild(year=YEAR)
    rows = _value_rows()
    assert rows[(tree["c1"].pk, "lit_total", None)][0] == 11
    assert (tree["p1"].pk, "lit_total", None) not in rows
    assert rows[(tree["p1"].pk, "lit_learned", None)][0] == 7
