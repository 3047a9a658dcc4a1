"""Settings every test level shares: dummy AWS credentials and region, never a real account."""

from __future__ import annotations

import os

# Set before any boto3 client exists. Real credentials on a developer's machine are masked so
# no test can reach a real account by accident.
for _name, _value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "Strata",
    "POWERTOOLS_SERVICE_NAME": "strata-tests",
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
}.items():
    os.environ[_name] = _value
os.environ.pop("AWS_PROFILE", None)
# Settings has no defaults for the environment's resources (a function without them stops);
# tests that run a handler without naming them get these, which name nothing real.
for _name, _value in {
    "STRATA_TABLE_NAME": "strata-test-main",
    "STRATA_IDEMPOTENCY_TABLE_NAME": "strata-test-idempotency",
    "STRATA_BUCKET_NAME": "strata-test-documents",
}.items():
    os.environ.setdefault(_name, _value)
