import importlib
import os

import pytest
from django.utils import translation

# Playwright's sync API runs an event loop in the test thread; Django's ORM guard would refuse it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "mat-khau-thu"


@pytest.fixture(autouse=True)
def _vietnamese(settings):
    """Tests see what users see: Vietnamese messages."""
    settings.LANGUAGE_CODE = "vi"
    with translation.override("vi"):
        yield


# Rows that data migrations create in every database. A transactional test (browser journeys, the worker)
# ends with a flush that removes them; tests after it would then miss them, so they are put back.
REFERENCE_DATA = [
    ("campaigns.models", "Campaign", "campaigns.migrations.0002_national_campaign", "create_campaign"),
    ("titles.models", "TitleType", "titles.migrations.0002_load_title_catalogue", "load"),
    ("awards.models", "AwardForm", "awards.migrations.0002_load_award_forms", "load_forms"),
    # The law's forms (0004 renamed and added some): found by one only it creates.
    ("awards.models", "AwardForm", "awards.migrations.0004_law_forms_and_powers", "load", {"slug": "bang-khen-tinh"}),
    ("core.documents.models", "LegalBasis", "core.documents.migrations.0002_seed_legal_bases", "seed"),
    ("definitions.models", "IndicatorDefinition", "definitions.seed", "load"),
    # The review forms share their models with definitions.seed: found by what only they create.
    ("definitions.models", "ReportForm", "definitions.seed_reviews", "load", {"period_kind": "final_review"}),
]


def _uses_database(request) -> str | None:
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if names & {"transactional_db", "live_server"} or (marker and marker.kwargs.get("transaction")):
        return "transactional_db"
    if marker or names & {"db", "django_db_setup"}:
        return "db"
    return None


@pytest.fixture(autouse=True)
def _reference_data(request):
    fixture = _uses_database(request)
    if fixture is None:
        return
    request.getfixturevalue(fixture)
    from django.apps import apps

    for models_module, model_name, migration, function, *where in REFERENCE_DATA:
        model = getattr(importlib.import_module(models_module), model_name)
        if not model.objects.filter(**(where[0] if where else {})).exists():
            getattr(importlib.import_module(migration), function)(apps, None)


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Cached scopes and statistics never outlive the test that made them: the database is rolled back, the
    cache (LocMem, or Redis on the PostgreSQL run) is not, and a reused user id must not find another's scope."""
    from reports.stats_cache import ROLLUP_GENERATION
    from units.selectors import SCOPE_GENERATION

    SCOPE_GENERATION.bump()
    ROLLUP_GENERATION.bump()


@pytest.fixture(autouse=True)
def _test_process_may_wait_for_workers():
    """This process is no Celery worker: waiting on a result computed by a real worker is safe here. Celery keeps a
    process-wide "join will block" flag meant for worker processes, and a test that ran something worker-like
    in-process can leave it set; every later result.get() would then refuse ("Never call result.get() within a
    task!"), as the full CI run showed. Each test starts with the flag as a plain client process has it."""
    from celery.result import _set_task_join_will_block

    _set_task_join_will_block(False)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Rendered PDFs, uploads and exports go to a per-test folder, never into the project's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def tree(db):
    """Two provinces; the first with two communes, each with a hamlet and a school."""
    from tests import factories as f

    p1 = f.province(name="Tỉnh Thử Nghiệm", code="91")
    p2 = f.province(name="Tỉnh Bên Cạnh", code="92")
    c1 = f.commune(p1, name="Xã Hòa Bình", code="99001")
    c2 = f.commune(p1, name="Phường Đông Hà", code="99002")
    c3 = f.commune(p2, name="Xã Tây Sơn", code="99003")
    return {
        "p1": p1, "p2": p2, "c1": c1, "c2": c2, "c3": c3,
        "h1": f.hamlet(c1, name="Thôn Một", code=""),
        "h2": f.hamlet(c2, name="Tổ dân phố Hai", code=""),
        "s1": f.organisation(c1, name="Trường Tiểu học Hòa Bình"),
        "s2": f.organisation(c2, name="Trường Tiểu học Đông Hà"),
    }
