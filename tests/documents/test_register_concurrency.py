"""Two transactions issuing at once get distinct, consecutive numbers (the counter row lock).

PostgreSQL only (SQLite serialises whole-database writes, so it proves nothing there):
DATABASE_URL=postgres://…/xhht_h5a pytest tests/documents/test_register_concurrency.py
"""

import datetime
import threading
import time

import pytest
from django.db import connection, connections, transaction

from core.documents import services
from core.documents.models import Document, DocumentKind
from tests.factories import province

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]

DAY = datetime.date(2026, 4, 1)


def _issue(issuer, title):
    return services.document_issue(kind=DocumentKind.AWARD_DECISION, issuer=issuer, subject=None, date=DAY,
                                   title=title, by=None)


def _in_thread(fn, results, errors):
    def run():
        try:
            results.append(fn())
        except Exception as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connections.close_all()
    return threading.Thread(target=run)


def _waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = "
                       "current_database()")
        return cursor.fetchone()[0] > 0


def test_a_second_issuer_waits_for_the_first_and_takes_the_next_number():
    body = services.issuing_body_for(province(name="Tỉnh Hà Tĩnh", code="42"))
    _issue(body, "Khởi tạo sổ")  # the counter row exists: both contend for the same row
    holding, release = threading.Event(), threading.Event()
    results, errors = [], []

    def first():
        with transaction.atomic():
            document = _issue(body, "Thứ nhất")
            holding.set()
            release.wait(30)
        return document.number

    a = _in_thread(first, results, errors)
    a.start()
    assert holding.wait(30)
    b = _in_thread(lambda: _issue(body, "Thứ hai").number, results, errors)
    b.start()
    deadline = time.monotonic() + 30
    while not _waiting_on_a_lock():  # the second transaction is blocked on the counter row
        assert time.monotonic() < deadline, "the second issuer never waited for the lock"
        time.sleep(0.05)
    release.set()
    a.join(30)
    b.join(30)
    assert errors == []
    assert sorted(results) == ["02/QĐ-UBND", "03/QĐ-UBND"]


def test_many_concurrent_issues_get_distinct_consecutive_numbers():
    body = services.issuing_body_for(province(name="Tỉnh Hà Tĩnh", code="42"))
    start = threading.Barrier(8)
    results, errors = [], []
    threads = [_in_thread(lambda n=n: (start.wait(30), _issue(body, f"Quyết định {n}").seq)[1], results, errors)
               for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sorted(results) == list(range(1, 9))
    assert Document.objects.filter(issuer=body).count() == 8
