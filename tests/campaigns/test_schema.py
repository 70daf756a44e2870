from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator


def test_schema_documents_plans_and_targets_without_warnings_about_them(db):
    GENERATOR_STATS.reset()
    GENERATOR_STATS.enable_trace_lineno()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path in ("/api/v1/campaigns/{id}/", "/api/v1/plans/", "/api/v1/plans/{id}/", "/api/v1/plans/{id}/issue/",
                 "/api/v1/plans/{id}/pdf/", "/api/v1/plans/{id}/pdf/status/", "/api/v1/targets/"):
        assert path in schema["paths"], path
    pdf = schema["paths"]["/api/v1/plans/{id}/pdf/"]["get"]["responses"]
    assert "application/pdf" in pdf["200"]["content"] and "202" in pdf
    ours = [w for w in (*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache)
            if "campaigns" in str(w) or "Plan" in str(w) or "Target" in str(w)]
    assert ours == []
