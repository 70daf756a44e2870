"""The plan's PDF through a real Celery worker process (CI's PostgreSQL + Redis pass; skipped elsewhere)."""

import pytest

from campaigns import services
from campaigns.models import PdfStatus, Plan
from campaigns.tasks import render_plan_pdf
from tests import factories as f
from tests.campaigns.conftest import plan_fields
from tests.core.test_worker import worker  # noqa: F401 - the fixture that starts the worker
from tests.documents.helpers import pdftotext

pytestmark = pytest.mark.worker


@pytest.fixture
def shared_media(tmp_path, monkeypatch, settings):
    """The worker is another process: it finds MEDIA_ROOT in its environment, as in production."""
    media = tmp_path / "media"
    monkeypatch.setenv("MEDIA_ROOT", str(media))
    settings.MEDIA_ROOT = media
    return media


def test_issuing_a_plan_renders_its_pdf_in_the_worker_once(shared_media, worker, campaign):  # noqa: F811
    province = f.province(name="Tỉnh Thử Worker", code="96")
    officer = f.member(province)
    plan = services.plan_create(unit=province, campaign=campaign, by=officer, fields=plan_fields())
    services.plan_issue(plan=plan, by=officer)  # committed: the render is queued for the worker

    # The worker runs tasks one at a time, in order: by the time this second request is answered, the
    # first has stored the file, and the second finds it fresh (idempotent) instead of rendering again.
    try:
        second = render_plan_pdf.delay(plan.pk).get(timeout=120)
    except Exception as exc:
        pytest.fail(f"the worker did not run the task ({exc!r}); its log:\n{worker.read_text()}", pytrace=False)
    assert second == PdfStatus.READY
    plan = Plan.objects.get(pk=plan.pk)
    assert plan.pdf_status == PdfStatus.READY
    assert "Số: 151/KH-UBND" in pdftotext(shared_media / plan.pdf_file.name)
    # Rendered once: the register's one file (a random storage name, core/files.PrivateStorage), no second copy.
    stored = [path.relative_to(shared_media).as_posix() for path in shared_media.rglob("*.pdf")]
    assert stored == [plan.pdf_file.name]
