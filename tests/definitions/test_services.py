"""definitions.services: who may edit, what stays fixed, and that a refusal changes nothing."""

import pytest

from core.errors import Conflict, DomainError, PermissionDenied
from definitions import services
from definitions.models import (
    DataElement,
    FormField,
    IndicatorDefinition,
    ReportForm,
    ReportFormVersion,
    ValidationRule,
    VersionStatus,
)
from tests.definitions.conftest import state

pytestmark = pytest.mark.django_db


def refused(exc_type, message, call, *models):
    """The call is refused with `message` (exactly, or containing it) and no definition row changed."""
    before = state(*models)
    with pytest.raises(exc_type) as info:
        call()
    assert message in info.value.message, info.value.message
    assert state(*models) == before
    return info.value


# --- who edits --------------------------------------------------------------------------------------------


def test_superuser_and_nation_admin_create_national_elements(root, people, sex):
    a = services.element_create(by=root, code="a_nam", name="A", category=sex)
    b = services.element_create(by=people["nation_admin"], code="b_nam", name="B")
    assert a.owner is None and b.owner is None and a.category == sex
    assert a.history.first().history_user == root


def test_province_admin_cannot_create_national_definitions(people):
    refused(PermissionDenied, "Chỉ quản trị hệ thống hoặc quản trị cấp quốc gia được sửa định nghĩa dùng chung",
            lambda: services.element_create(by=people["p1_admin"], code="x", name="X"))


def test_province_admin_creates_own_but_not_another_provinces(tree, people):
    own = services.element_create(by=people["p1_admin"], code="rieng_tinh1", name="Riêng tỉnh 1", owner=tree["p1"])
    assert own.owner == tree["p1"]
    refused(PermissionDenied, "Chỉ quản trị của “Tỉnh Thử Nghiệm” được sửa định nghĩa của đơn vị này.",
            lambda: services.element_update(element=own, by=people["p2_admin"], name="Đổi"))
    refused(PermissionDenied, "Chỉ quản trị của “Tỉnh Thử Nghiệm”",
            lambda: services.element_update(element=own, by=people["c1_officer"], name="Đổi"))


def test_owner_must_be_a_province(tree, root):
    refused(DomainError, "Đơn vị định nghĩa phải là một tỉnh, thành phố",
            lambda: services.element_create(by=root, code="x", name="X", owner=tree["c1"]))


# --- categories -------------------------------------------------------------------------------------------


def test_category_with_options_and_refusals(root):
    category = services.category_create(by=root, code="do_tuoi", name="Độ tuổi",
                                        options=[("duoi_15", "Dưới 15"), {"code": "tu_15", "name": "Từ 15"}])
    assert list(category.options.values_list("code", flat=True)) == ["duoi_15", "tu_15"]
    refused(DomainError, "Mã phân tổ “do_tuoi” đã được dùng.",
            lambda: services.category_create(by=root, code="do_tuoi", name="X", options=[("a", "A"), ("b", "B")]))
    refused(DomainError, "Phân tổ cần ít nhất hai nhóm.",
            lambda: services.category_create(by=root, code="mot", name="X", options=[("a", "A")]))
    refused(DomainError, "Mã nhóm “a” bị trùng trong phân tổ.",
            lambda: services.category_create(by=root, code="trung", name="X", options=[("a", "A"), ("a", "B")]))
    services.category_update(category=category, by=root, name="Nhóm tuổi", add_options=[("tren_60", "Trên 60")])
    assert category.options.count() == 3


def test_bad_code_is_refused_naming_the_field(root):
    error = refused(DomainError, "Mã chỉ gồm chữ thường không dấu",
                    lambda: services.element_create(by=root, code="Mã Sai", name="X"))
    assert error.field == "code"


# --- data elements ----------------------------------------------------------------------------------------


def test_element_code_unique(root, learners):
    refused(DomainError, "Mã phần tử dữ liệu “nguoi_hoc” đã được dùng.",
            lambda: services.element_create(by=root, code="nguoi_hoc", name="Khác"))


def test_element_code_never_changes(root, learners):
    refused(DomainError, "Không thể đổi mã của phần tử dữ liệu",
            lambda: services.element_update(element=learners, by=root, code="moi"))


def test_builtin_element_only_names_change(root):
    element = DataElement.objects.get(code="households_total")
    services.element_update(element=element, by=root, name="Tổng số hộ gia đình trên địa bàn")
    element.refresh_from_db()
    assert element.name == "Tổng số hộ gia đình trên địa bàn"
    refused(DomainError, "gắn với chỉ tiêu có sẵn: chỉ sửa được tên, tên ngắn và mô tả.",
            lambda: services.element_update(element=element, by=root, aggregation="none"))


def test_element_category_cannot_change_once_values_exist(root, tree, learners):
    from campaigns.models import Campaign
    from reports.models import Report, ReportValue
    from tests.reports.conftest import make_round
    from units.models import Level

    round_ = make_round(Campaign.objects.first(), tree["p1"], Level.COMMUNE)
    report = Report.objects.create(unit=tree["c1"], year=2025, round=round_, created_by=root)
    ReportValue.objects.create(report=report, data_element=learners, option=learners.category.options.first(),
                               value=5)
    refused(DomainError, "đã có số liệu báo cáo: không thể đổi phân tổ hoặc kiểu giá trị.",
            lambda: services.element_update(element=learners, by=root, category=None))
    # Without values the breakdown may change.
    other = services.element_create(by=root, code="chua_nhap", name="Chưa nhập", category=learners.category)
    services.element_update(element=other, by=root, category=None)
    other.refresh_from_db()
    assert other.category is None


def test_element_cannot_use_another_provinces_category(tree, people):
    category = services.category_create(by=people["p2_admin"], code="rieng2", name="Riêng 2", owner=tree["p2"],
                                        options=[("a", "A"), ("b", "B")])
    refused(DomainError, "Phân tổ “Riêng 2” thuộc đơn vị khác, không dùng được.",
            lambda: services.element_create(by=people["p1_admin"], code="x", name="X", category=category,
                                            owner=tree["p1"]))


def test_element_used_by_an_active_indicator_stays_active(root, learners, adults):
    services.indicator_create(by=root, slug="ty_le_hoc", name="Tỷ lệ", numerator="#{nguoi_hoc}",
                              denominator="#{nguoi_truong_thanh}")
    refused(DomainError, "đang được dùng trong chỉ tiêu ty_le_hoc",
            lambda: services.element_update(element=learners, by=root, is_active=False))


# --- indicators -------------------------------------------------------------------------------------------


def test_indicator_over_elements_and_options(root, learners, adults):
    indicator = services.indicator_create(by=root, slug="nu_hoc_tap", name="Tỷ lệ nữ tham gia học tập",
                                          numerator="#{nguoi_hoc.female}", denominator="#{nguoi_truong_thanh.female}")
    assert IndicatorDefinition.objects.get(slug="nu_hoc_tap") == indicator
    assert not indicator.builtin


@pytest.mark.parametrize(("slug", "message"), [
    ("households_learning_family", "Mã chỉ tiêu “households_learning_family” trùng với một chỉ tiêu có sẵn."),
    ("districts_learning_district", "trùng với một chỉ tiêu có sẵn."),
])
def test_indicator_slug_cannot_collide_with_builtin(root, learners, slug, message):
    refused(DomainError, message, lambda: services.indicator_create(
        by=root, slug=slug, name="X", numerator="#{nguoi_hoc}", denominator="#{nguoi_hoc}"))


def test_indicator_slug_unique(root, learners):
    services.indicator_create(by=root, slug="mot", name="X", numerator="#{nguoi_hoc}", denominator="1")
    refused(DomainError, "Mã chỉ tiêu “mot” đã được dùng.", lambda: services.indicator_create(
        by=root, slug="mot", name="Y", numerator="#{nguoi_hoc}", denominator="1"))


@pytest.mark.parametrize(("numerator", "message"), [
    ("#{khong_co}", "Tử số: Không có phần tử dữ liệu mã “khong_co”."),
    ("#{nguoi_hoc.kinh}", "Tử số: Phần tử “nguoi_hoc” không có nhóm phân tổ “kinh”."),
    ("#{nguoi_hoc} ** 2", "Tử số: Biểu thức sai cú pháp"),
    ("__import__('os')", "Tử số: Biểu thức sai cú pháp"),
])
def test_indicator_expressions_must_parse_and_name_known_elements(root, learners, numerator, message):
    error = refused(DomainError, message, lambda: services.indicator_create(
        by=root, slug="sai", name="X", numerator=numerator, denominator="#{nguoi_hoc}"))
    assert error.field == "numerator"


def test_indicator_cannot_use_inactive_element(root, learners):
    services.element_update(element=learners, by=root, is_active=False)
    refused(DomainError, "Không có phần tử dữ liệu mã “nguoi_hoc”", lambda: services.indicator_create(
        by=root, slug="x", name="X", numerator="#{nguoi_hoc}", denominator="1"))


def test_province_indicator_cannot_use_another_provinces_element(tree, people):
    services.element_create(by=people["p2_admin"], code="rieng2", name="Riêng 2", owner=tree["p2"])
    refused(DomainError, "Không có phần tử dữ liệu mã “rieng2”", lambda: services.indicator_create(
        by=people["p1_admin"], slug="x", name="X", numerator="#{rieng2}", denominator="1", owner=tree["p1"]))


def test_builtin_indicator_expressions_are_read_only(root):
    indicator = IndicatorDefinition.objects.get(slug="households_learning_family")
    refused(DomainError, "là chỉ tiêu có sẵn: công thức và cách tính không sửa được",
            lambda: services.indicator_update(indicator=indicator, by=root, numerator="#{households_total}"))
    refused(DomainError, "là chỉ tiêu có sẵn", lambda: services.indicator_update(indicator=indicator, by=root,
                                                                                    decimals=1))
    services.indicator_update(indicator=indicator, by=root, description="Theo QĐ 387/QĐ-TTg")
    indicator.refresh_from_db()
    assert indicator.description == "Theo QĐ 387/QĐ-TTg"


def test_indicator_slug_never_changes(root, learners):
    indicator = services.indicator_create(by=root, slug="mot", name="X", numerator="#{nguoi_hoc}", denominator="1")
    refused(DomainError, "Không thể đổi mã chỉ tiêu", lambda: services.indicator_update(
        indicator=indicator, by=root, slug="hai"))


# --- forms and versions -----------------------------------------------------------------------------------


def _published(code="yearly_commune") -> ReportFormVersion:
    return ReportFormVersion.objects.get(form__code=code, status=VersionStatus.PUBLISHED)


def test_new_draft_copies_the_latest_version(root):
    v1 = _published()
    draft = services.version_new_draft(v1.form, root, first_year=2026)
    assert (draft.number, draft.status, draft.first_year) == (2, VersionStatus.DRAFT, 2026)
    assert list(draft.sections.values_list("code", "kind")) == list(v1.sections.values_list("code", "kind"))
    assert FormField.objects.filter(section__version=draft).count() == FormField.objects.filter(
        section__version=v1).count()
    assert set(draft.rules.values_list("code", "left", "right")) == set(v1.rules.values_list("code", "left", "right"))
    # v1 is untouched.
    assert FormField.objects.filter(section__version=v1).count() == 17


def test_only_one_draft_at_a_time(root):
    v1 = _published()
    services.version_new_draft(v1.form, root, first_year=2026)
    refused(Conflict, "Biểu mẫu đang có phiên bản nháp số 2", lambda: services.version_new_draft(v1.form, root))


def test_first_version_needs_title_and_year(root):
    form = services.form_create(by=root, code="so_ket_xa", name="Sơ kết", level="commune", period_kind="interim_review")
    refused(DomainError, "Phiên bản đầu tiên cần tiêu đề và năm bắt đầu áp dụng.",
            lambda: services.version_new_draft(form, root))
    version = services.version_new_draft(form, root, title="Sơ kết 3 năm", first_year=2025, last_year=2025,
                                         period_from=2023, period_to=2025)
    assert version.number == 1 and not version.sections.exists()


@pytest.mark.parametrize("call", [
    lambda v, by: services.section_add(version=v, by=by, code="moi", title="Mục mới"),
    lambda v, by: services.rule_add(version=v, by=by, code="moi", left="#{households_recognised}", operator="<=",
                                    right="#{households_total}", message="Sai"),
    lambda v, by: services.field_add(section=v.sections.get(code="narrative"), by=by, narrative_code="causes",
                                     label="Nguyên nhân"),
    lambda v, by: services.version_update(version=v, by=by, title="Đổi tiêu đề"),
    lambda v, by: services.section_update(section=v.sections.get(code="figures"), by=by, title="Đổi"),
    lambda v, by: services.field_delete(field=FormField.objects.filter(section__version=v).first(), by=by),
    lambda v, by: services.rule_update(rule=v.rules.first(), by=by, message="Đổi"),
    lambda v, by: services.rule_delete(rule=v.rules.first(), by=by),
    lambda v, by: services.version_publish(v, by),
], ids=["section_add", "rule_add", "field_add", "version_update", "section_update", "field_delete", "rule_update",
        "rule_delete", "publish"])
def test_published_version_is_frozen(root, call):
    version = _published()
    error = refused(Conflict, "Phiên bản 1 của biểu mẫu “Báo cáo hằng năm của xã, phường, đặc khu” đã ban hành "
                    "nên không sửa được", lambda: call(version, root))
    assert error.message.endswith("Hãy tạo phiên bản mới.") and error.field


def test_frozen_message_names_the_field_in_vietnamese(root):
    version = _published()
    error = refused(Conflict, "nên không sửa được các quy tắc kiểm tra.", lambda: services.rule_add(
        version=version, by=root, code="x", left="1", operator="<", right="2", message="x"))
    assert error.field == "rules" and error.status == 409
    error = refused(Conflict, "nên không sửa được tiêu đề văn bản.", lambda: services.version_update(
        version=version, by=root, title="Đổi"))
    assert error.field == "title"


def test_draft_edit_then_publish_closes_the_older_version(root, learners):
    v1 = _published()
    draft = services.version_new_draft(v1.form, root, first_year=2026)
    section = services.section_add(version=draft, by=root, code="hoc_tap", title="Người học")
    services.field_add(section=section, by=root, data_element=learners)
    services.rule_add(version=draft, by=root, code="nu_le_tong", left="#{nguoi_hoc.female}", operator="<=",
                      right="#{nguoi_hoc}", message="Số nữ không lớn hơn tổng số người học.")
    published = services.version_publish(draft, root)
    v1.refresh_from_db()
    assert published.status == VersionStatus.PUBLISHED and published.published_by == root
    assert v1.last_year == 2025
    assert "Áp dụng đến năm 2025: phiên bản 2 ban hành ngày" in v1.notes


def test_publish_refuses_a_rule_over_an_element_not_on_the_form(root, learners):
    draft = services.version_new_draft(_published().form, root, first_year=2026)
    services.rule_add(version=draft, by=root, code="ngoai", left="#{nguoi_hoc}", operator=">=", right="0",
                      message="x")
    error = refused(DomainError, "Quy tắc “ngoai”, vế trái (chỉ dùng phần tử có trên biểu mẫu): Không có phần tử "
                    "dữ liệu mã “nguoi_hoc”.", lambda: services.version_publish(draft, root))
    assert error.field == "rules.ngoai.left"


def test_publish_refuses_a_version_without_fields(root):
    form = services.form_create(by=root, code="moi", name="Mới", level="commune")
    draft = services.version_new_draft(form, root, title="Mới", first_year=2026)
    refused(DomainError, "Phiên bản chưa có trường nào", lambda: services.version_publish(draft, root))


def test_publish_refuses_overlap_with_a_later_published_version(root):
    v1 = _published()
    draft = services.version_new_draft(v1.form, root, first_year=2026)
    services.version_publish(draft, root)
    v3 = services.version_new_draft(v1.form, root, first_year=2027)
    services.version_update(version=v3, by=root, first_year=2020)
    # v1 (2023–2025) and v2 (2026 on) both start after 2020.
    refused(Conflict, "Phiên bản 1 đang áp dụng cho các năm 2023–2025, trùng với 2020 trở đi.",
            lambda: services.version_publish(v3, root))


def test_version_years_must_be_sane(root):
    draft = services.version_new_draft(_published().form, root, first_year=2026)
    refused(DomainError, "Năm kết thúc áp dụng phải từ năm bắt đầu (2026)",
            lambda: services.version_update(version=draft, by=root, last_year=2025))


def test_fields_follow_their_section_kind(root, learners):
    draft = services.version_new_draft(_published().form, root, first_year=2026)
    narrative = draft.sections.get(code="narrative")
    refused(DomainError, "Phần tử dữ liệu chỉ đặt trong mục số liệu.",
            lambda: services.field_add(section=narrative, by=root, data_element=learners))
    refused(DomainError, "Phần tử “households_total” đã có trên phiên bản này.",
            lambda: services.field_add(section=draft.sections.get(code="figures"), by=root,
                                       data_element=DataElement.objects.get(code="households_total")))
    refused(DomainError, "do hệ thống tính", lambda: services.field_add(
        section=draft.sections.get(code="figures"), by=root, data_element=DataElement.objects.get(
            code="reports_on_time")))


def test_retire(root):
    v1 = _published()
    services.version_retire(v1, root)
    v1.refresh_from_db()
    assert v1.status == VersionStatus.RETIRED
    refused(Conflict, "Phiên bản đã ngừng sử dụng.", lambda: services.version_retire(v1, root))


def test_officer_cannot_touch_forms(people):
    v1 = _published()
    refused(PermissionDenied, "Chỉ quản trị hệ thống",
            lambda: services.version_new_draft(v1.form, people["c1_officer"]))
    refused(PermissionDenied, "Chỉ quản trị hệ thống", lambda: services.section_add(
        version=v1, by=people["c1_officer"], code="x", title="X"))


def test_rule_and_form_refusals(root):
    draft = services.version_new_draft(_published().form, root, first_year=2026)
    refused(DomainError, "Mã quy tắc “households_learning_family_recognised_le_total” đã có",
            lambda: services.rule_add(version=draft, by=root, code="households_learning_family_recognised_le_total",
                                      left="1", operator="<", right="2", message="x"))
    refused(DomainError, "Vế phải: Không có phần tử dữ liệu mã “khong”", lambda: services.rule_add(
        version=draft, by=root, code="r", left="1", operator="<", right="#{khong}", message="x"))
    refused(DomainError, "Mã biểu mẫu “yearly_commune” đã được dùng.", lambda: services.form_create(
        by=root, code="yearly_commune", name="X", level="commune"))
    refused(DomainError, "Loại đơn vị báo cáo không hợp lệ.", lambda: services.form_create(
        by=root, code="moi", name="X", level="commune", kinds=["khong_co"]))
    assert ReportForm.objects.filter(code="moi").count() == 0
    assert ValidationRule.objects.filter(code="r").count() == 0


@pytest.mark.parametrize("text", ["-" * 1990 + "1", "1" + "+1" * 500, "1*(" * 120 + "1" + ")" * 120])
def test_expressions_too_deep_for_the_evaluators_are_refused(root, text):
    error = refused(DomainError, "Tử số: ", lambda: services.indicator_create(
        by=root, slug="sau", name="X", numerator=text, denominator="1"))
    assert "Biểu thức" in error.message and error.field == "numerator"
