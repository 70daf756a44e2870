"""Schema fuzz (issue 11, point 4): every operation of the served OpenAPI schema, authenticated, with every
response check. A 5xx, or an answer whose status, content type, headers or body the schema does not
document, fails the build. Bounded and derandomized: the same examples on every run.

The schema is read from the WSGI application itself (no network, no server) and every request goes through
the full middleware stack, as a client's would. The caller holds the officer, reviewer and approver roles over
one province; a second province exists that they must not reach. Each operation is fuzzed with valid data
(what the schema allows) and with invalid data (what it forbids: '²' for an integer, a string for an object),
one pytest test per operation and mode, each in its own transaction.
"""

import functools

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests import factories as f
from units.roles import Role

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
MAX_EXAMPLES = 15
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def _operation_labels() -> list[str]:
    """Every operation, read from the same generator the schema view uses, so a new endpoint is fuzzed
    without anyone listing it here (the test then loads the schema the application serves)."""
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    return sorted(f"{method.upper()} {path}" for path, item in paths.items() for method in item
                  if method in HTTP_METHODS)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Requests go through the real WSGI handler, whose request_started/finished signals close the database
    connection (CONN_MAX_AGE): on PostgreSQL that would drop the test's transaction and its data. Django's
    test client disconnects the same handler for the same reason."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@functools.cache
def _served_schema():
    from config.wsgi import application

    return schemathesis.openapi.from_wsgi("/api/v1/schema/", application)


@pytest.fixture
def token(tree):
    user = f.member(tree["p1"], Role.OFFICER, username="fuzz")
    for role in (Role.REVIEWER, Role.APPROVER):
        f.MembershipFactory(user=user, unit=tree["p1"], role=role)
    f.member(tree["p2"], Role.OFFICER, username="fuzz-other")  # a province the caller must not reach
    return Token.objects.create(user=user).key


@pytest.mark.django_db
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
@pytest.mark.parametrize("label", _operation_labels())
def test_operation_answers_as_documented_and_never_5xx(label, mode, token):
    operation = _served_schema().find_operation_by_label(label)
    assert operation is not None, f"{label} is generated but not served"
    headers = {"Authorization": f"Token {token}"}

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None, print_blob=False,
              phases=[Phase.explicit, Phase.generate, Phase.shrink], suppress_health_check=list(HealthCheck))
    def fuzz(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    fuzz()
