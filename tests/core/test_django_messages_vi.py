"""Messages that Django itself raises (validators, form and model fields, pagination, the CSRF page) come out in
Vietnamese: Django's own Vietnamese catalogue lacks some of them ("Null characters are not allowed."), so the
project's locale/vi catalogue translates their English msgids (as it does for DRF, test_api_messages_vi.py)."""

import gettext as stdlib_gettext
import re
from pathlib import Path

import django
import pytest
from django.conf import settings
from django.core.paginator import Paginator
from django.core.validators import ProhibitNullCharactersValidator
from django.utils import translation

from tests import factories as f
from units.roles import Role

DJANGO = Path(django.__file__).parent
OURS = Path(settings.BASE_DIR) / "locale" / "vi" / "LC_MESSAGES" / "django.mo"
NUL = "Không được chứa ký tự NUL (ký tự rỗng)."

# Django source files whose messages reach users: validation (API and forms), pagination, error pages.
USER_FACING_SOURCES = {
    "core/validators.py", "core/paginator.py", "utils/ipv6.py",
    "forms/fields.py", "forms/models.py", "forms/formsets.py", "forms/forms.py", "forms/utils.py",
    "db/models/base.py", "db/models/constraints.py", "db/models/fields/__init__.py",
    "db/models/fields/related.py", "db/models/fields/json.py", "db/models/fields/files.py",
    "views/csrf.py", "views/static.py", "views/generic/list.py", "views/generic/detail.py",
    "views/generic/dates.py",
}
# Entries of those files that are not messages, or read the same in Vietnamese: model field descriptions
# (admindocs only), the protocol names put into "Hãy nhập địa chỉ %(protocol)s hợp lệ.", the paginator's "…".
NOT_MESSAGES = {
    "…", "IPv4", "IPv6", "String (unlimited)", "Duration", "Positive big integer", "Universally unique identifier",
    "A JSON object", "%(from)s-%(to)s relationship", "%(from)s-%(to)s relationships",
}


def _catalogue(path: Path) -> dict:
    with open(path, "rb") as handle:
        return stdlib_gettext.GNUTranslations(handle)._catalog


def _english_entries(path: Path):
    """(source files, msgid, is_plural) of each entry of a .po file; escapes undone as gettext does."""
    for block in path.read_text().split("\n\n"):
        sources = {ref.rsplit(":", 1)[0] for line in block.splitlines() if line.startswith("#: ")
                   for ref in line[3:].split()}
        fields: dict[str, str] = {}
        current = None
        for line in block.splitlines():
            if line.startswith("#"):
                continue
            match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) "(.*)"$', line)
            if match:
                current, fields[match.group(1)] = match.group(1), match.group(2)
            elif line.startswith('"') and current:
                fields[current] += line[1:-1]
        if fields.get("msgid") and "msgctxt" not in fields:
            yield sources, fields["msgid"].replace('\\"', '"'), "msgid_plural" in fields


def test_every_user_facing_django_message_has_a_vietnamese_translation():
    """A Django upgrade that adds a message fails here: translate it in locale/vi/LC_MESSAGES/django.po."""
    theirs = _catalogue(DJANGO / "conf" / "locale" / "vi" / "LC_MESSAGES" / "django.mo")
    ours = _catalogue(OURS)
    checked, untranslated = 0, []
    for sources, msgid, plural in _english_entries(DJANGO / "conf" / "locale" / "en" / "LC_MESSAGES" / "django.po"):
        if not sources & USER_FACING_SOURCES or msgid in NOT_MESSAGES:
            continue
        checked += 1
        key = (msgid, 0) if plural else msgid  # Vietnamese has one plural form
        if not (theirs.get(key) or ours.get(key)):
            untranslated.append(msgid)
    assert checked > 100
    assert untranslated == []


def test_auth_password_messages_are_vietnamese():
    with translation.override("vi"):
        too_short = translation.ngettext(
            "This password is too short. It must contain at least %d character.",
            "This password is too short. It must contain at least %d characters.", 8) % 8
    assert too_short == "Mật khẩu này quá ngắn. Mật khẩu phải có ít nhất 8 ký tự."


def test_null_character_message_is_vietnamese_even_when_english_is_active_in_code():
    with translation.override("vi"):
        assert str(ProhibitNullCharactersValidator.message) == NUL
        assert translation.gettext("Enter a valid JSON.") == "Hãy nhập JSON hợp lệ."
        assert translation.gettext("That page number is not an integer") == "Số trang không phải là số nguyên"


def test_paginator_errors_are_vietnamese():
    with translation.override("vi"), pytest.raises(Exception, match="Số trang nhỏ hơn 1"):
        Paginator([1, 2, 3], 2).page(0)


@pytest.mark.django_db
def test_null_character_in_a_report_narrative_is_refused_in_vietnamese(tree, api_client):
    from campaigns.models import Campaign
    from reports.models import Report
    from tests.reports.conftest import YEAR, make_round
    from units.models import Level

    make_round(Campaign.objects.get(decision_number="1315/QĐ-TTg"), tree["p1"], Level.COMMUNE)
    api_client.force_authenticate(f.member(tree["c1"], Role.OFFICER))
    created = api_client.post("/api/v1/reports/", {"unit": tree["c1"].pk, "year": YEAR}, format="json")
    assert created.status_code == 201, created.json()
    report = Report.objects.get()

    response = api_client.patch(f"/api/v1/reports/{report.pk}/", {"results": "Kết quả\x00", "version": 1},
                                format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.json()["errors"] == {"results": [NUL]}
    report.refresh_from_db()
    assert (report.results, report.version) == ("", 1)
