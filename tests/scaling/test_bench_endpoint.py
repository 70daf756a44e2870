"""The bare view of the load test exists only when BENCH_ENDPOINTS is on, and touches no database."""

import json

import pytest
from django.test import RequestFactory
from django.urls import Resolver404, resolve

from core.views import bench_fixed_json


def test_bench_endpoint_is_not_routed_by_default(settings):
    assert settings.BENCH_ENDPOINTS is False
    with pytest.raises(Resolver404):
        resolve("/bench/fixed-json/")


@pytest.mark.django_db
def test_bench_view_answers_fixed_json_without_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = bench_fixed_json(RequestFactory().get("/bench/fixed-json/"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["results"][0]["indicator"] == "households_learning_family"
