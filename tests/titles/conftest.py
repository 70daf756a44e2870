import datetime

import pytest

from tests import factories as f
from titles import services
from titles.catalogue import load_catalogue
from titles.models import ImportJob, TitleType
from units.roles import Role

from .helpers import upload


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Uploaded evidence and workbooks go to a throw-away folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def catalogue(db):
    """Title types and criteria: the migration loads them, but a transactional test flushes tables."""
    load_catalogue()
    return {t.slug: t for t in TitleType.objects.all()}


@pytest.fixture
def tree(tree):
    """The shared tree plus what titles need: the province's Sở Giáo dục và Đào tạo (it recognises units of
    the province under TT 24/2023 and commune learning communities) and a university the province manages."""
    from units.models import Kind

    return {**tree,
            "sogd": f.organisation(tree["p1"], kind=Kind.DEPARTMENT, name="Sở Giáo dục và Đào tạo tỉnh Thử Nghiệm"),
            "u1": f.organisation(tree["p1"], kind=Kind.UNIVERSITY, name="Trường Đại học Thử Nghiệm")}


@pytest.fixture
def people(tree):
    """Officers and approvers around the `tree` fixture (province p1, communes c1/c2, school s1)."""
    return {
        "school_officer": f.member(tree["s1"], Role.OFFICER),
        "other_school_officer": f.member(tree["s2"], Role.OFFICER),
        "commune_officer": f.member(tree["c1"], Role.OFFICER),
        "commune_approver": f.member(tree["c1"], Role.APPROVER),
        "province_approver": f.member(tree["p1"], Role.APPROVER),
        "other_province_approver": f.member(tree["p2"], Role.APPROVER),
        "province_viewer": f.member(tree["p1"], Role.VIEWER),
        "university_officer": f.member(tree["u1"], Role.OFFICER),
    }


@pytest.fixture
def officer(tree):
    """An officer of commune c1 (hamlet h1): keeps its registries and yearly lists."""
    return f.member(tree["c1"], Role.OFFICER)


LAST_YEAR = datetime.date.today().year - 1


@pytest.fixture
def create_job(django_capture_on_commit_callbacks):
    """Upload as the page does; the queued dry run runs (eager Celery) when the transaction commits."""
    def create(evaluation_list, by, content: bytes) -> ImportJob:
        with django_capture_on_commit_callbacks(execute=True):
            job = services.import_job_create(evaluation_list=evaluation_list, by=by, upload=upload(content))
        return ImportJob.objects.get(pk=job.pk)
    return create


@pytest.fixture
def confirm_job(django_capture_on_commit_callbacks):
    """Confirm as the page does; the write runs when the confirming transaction commits."""
    def confirm(job, by) -> ImportJob:
        with django_capture_on_commit_callbacks(execute=True):
            services.import_job_confirm(job=job, by=by)
        return ImportJob.objects.get(pk=job.pk)
    return confirm
