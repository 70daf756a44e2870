"""The schema fuzz of tests/api/test_schema_fuzz.py, for the definitions operations, as a superuser: the writes
then reach the services (the officer of the main fuzz is refused before them), and no input may end in a 5xx or
an answer the schema does not document."""

import pytest
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode

from tests import factories as f
from tests.api.test_schema_fuzz import CHECKS, HTTP_METHODS, _keep_the_test_connection, _served_schema  # noqa: F401

PREFIXES = ("/api/v1/indicators/", "/api/v1/data-elements/", "/api/v1/categories/", "/api/v1/report-forms/",
            "/api/v1/report-form-versions/")


def _labels() -> list[str]:
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    return sorted(f"{method.upper()} {path}" for path, item in paths.items() for method in item
                  if method in HTTP_METHODS and path.startswith(PREFIXES))


@pytest.fixture
def token(db):
    return Token.objects.create(user=f.UserFactory(username="fuzz-root", is_superuser=True, is_staff=True)).key


@pytest.mark.django_db
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
@pytest.mark.parametrize("label", _labels())
def test_definitions_operation_never_5xx_for_an_administrator(label, mode, token):
    operation = _served_schema().find_operation_by_label(label)
    assert operation is not None, f"{label} is generated but not served"
    headers = {"Authorization": f"Token {token}"}

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=10, derandomize=True, deadline=None, database=None, print_blob=False,
              phases=[Phase.explicit, Phase.generate, Phase.shrink], suppress_health_check=list(HealthCheck))
    def fuzz(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    fuzz()
