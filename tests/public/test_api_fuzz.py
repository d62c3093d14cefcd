"""The open-data API driven from its own OpenAPI description by schemathesis: a few hundred generated
requests (valid and invalid), none may answer 5xx, and every answer must match the description."""

import itertools

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from registry.public.openapi import document

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]
# Valid and invalid requests (values past the stated limits, wrong types) for each operation.
EXAMPLES_PER_OPERATION = 30


def test_api_answers_every_generated_request_as_described(app, demo):
    # schemathesis's pytest plugin does not run under this pytest; its strategies do, one operation
    # at a time, through the app itself (WSGI: the test's transaction, the demo data).
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 12
    sent = []
    for operation, mode in itertools.product(operations, schemathesis.GenerationMode):

        @given(case=operation.as_strategy(mode))
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,  # the same requests on every run: a failure can be reproduced
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def call(case):
            case.call_and_validate(checks=CHECKS)
            sent.append(case)

        call()
    assert len(sent) > 250


def test_the_description_states_the_limits_it_enforces():
    doc = document()
    matters = {p["name"]: p["schema"] for p in doc["paths"]["/matters"]["get"]["parameters"]}
    assert matters["per_page"]["maximum"] == 200 and matters["page"]["maximum"] == 2**31 - 1
    assert matters["department"]["maximum"] == 2**31 - 1
    assert "per_page 为 1 至 200" in doc["info"]["description"]
