"""The api stack: a Cognito authorizer on every method but three public ones, logs, tracing,
throttling and caching from config, WAF when configured, least-privilege IAM and alarms."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aws_cdk.assertions import Template

from infra.constructs.api_gateway import CACHE_KEY, QUERY_PARAMETERS
from infra.constructs.function_code import FunctionCode
from infra.names import Names
from strata.config import Settings
from tests.infra.conftest import Synthesized

HANDLER = "lambdas.api.handler.handler"
OPENAPI = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
PUBLIC = {"health", "openapi.json", "swagger"}


def _resources(template: Template, kind: str) -> dict[str, Any]:
    return dict(template.find_resources(kind))


def _methods(template: Template) -> list[tuple[str, str, dict[str, Any]]]:
    """(HTTP method, path part, properties) of every method."""
    parts = {
        logical_id: r["Properties"]["PathPart"]
        for logical_id, r in _resources(template, "AWS::ApiGateway::Resource").items()
    }
    methods = []
    for method in _resources(template, "AWS::ApiGateway::Method").values():
        properties = method["Properties"]
        resource = properties["ResourceId"]
        part = parts.get(resource.get("Ref", ""), "/") if isinstance(resource, dict) else "/"
        methods.append((properties["HttpMethod"], part, properties))
    return methods


def _function(template: Template) -> dict[str, Any]:
    (function,) = template.find_resources(
        "AWS::Lambda::Function", {"Properties": {"Handler": HANDLER}}
    ).values()
    return dict(function)


def _statements(template: Template) -> list[dict[str, Any]]:
    return [
        statement
        for policy in _resources(template, "AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def _actions(statement: dict[str, Any]) -> list[str]:
    actions = statement["Action"]
    return [actions] if isinstance(actions, str) else list(actions)


def test_every_method_but_three_public_ones_needs_the_cognito_authorizer(
    synthesized: Synthesized, env: str
) -> None:
    methods = _methods(synthesized.template(env, "api"))
    # Then the proxy carries every route behind the authorizer, with its parameters validated
    guarded = [(m, part, p) for m, part, p in methods if m != "OPTIONS" and part not in PUBLIC]
    assert [(m, part) for m, part, _ in guarded] == [("ANY", "{proxy+}")]
    for _, _, properties in guarded:
        assert properties["AuthorizationType"] == "COGNITO_USER_POOLS"
        assert "AuthorizerId" in properties
        assert "RequestValidatorId" in properties
        assert properties["RequestParameters"]["method.request.header.Authorization"] is True
    # And exactly three GETs are public, explicitly; preflight is the only other open method
    public = {(m, part) for m, part, p in methods if p["AuthorizationType"] == "NONE"}
    assert {(m, part) for m, part in public if m != "OPTIONS"} == {("GET", p) for p in PUBLIC}
    authorizers = _resources(synthesized.template(env, "api"), "AWS::ApiGateway::Authorizer")
    (authorizer,) = authorizers.values()
    assert authorizer["Properties"]["Type"] == "COGNITO_USER_POOLS"
    assert authorizer["Properties"]["IdentitySource"] == "method.request.header.Authorization"


def test_stage_logs_traces_and_throttles_from_config(synthesized: Synthesized, env: str) -> None:
    config = synthesized.config(env)
    template = synthesized.template(env, "api")
    (stage,) = _resources(template, "AWS::ApiGateway::Stage").values()
    properties = stage["Properties"]
    assert properties["TracingEnabled"] is True
    access_log = properties["AccessLogSetting"]
    assert json.loads(access_log["Format"])["status"] == "$context.status"
    assert "DestinationArn" in access_log
    (settings,) = properties["MethodSettings"]
    assert settings["ThrottlingRateLimit"] == config.api.throttle_rate_limit
    assert settings["ThrottlingBurstLimit"] == config.api.throttle_burst_limit
    assert settings["LoggingLevel"] == "ERROR"
    assert settings["DataTraceEnabled"] is False
    assert settings["CachingEnabled"] is config.api.cache_enabled
    assert properties.get("CacheClusterEnabled", False) is config.api.cache_enabled
    if config.api.cache_enabled:
        assert settings["CacheTtlInSeconds"] == config.api.cache_ttl_seconds
        assert settings["CacheDataEncrypted"] is True
    template.has_resource_properties(
        "AWS::Logs::LogGroup",
        {"LogGroupName": f"/aws/apigateway/{Names(env).resource('api')}/access"},
    )


def test_access_logs_and_token_secret_are_encrypted_with_the_stacks_key(
    synthesized: Synthesized, env: str
) -> None:
    template = synthesized.template(env, "api")
    name = Names(env).api_access_logs
    # Given the stack's one customer managed key, rotating yearly
    ((key_id, key),) = _resources(template, "AWS::KMS::Key").items()
    assert key["Properties"]["EnableKeyRotation"] is True
    key_arn = {"Fn::GetAtt": [key_id, "Arn"]}
    # Then the access logs and the token secret are encrypted with it
    ((group),) = [
        g
        for g in _resources(template, "AWS::Logs::LogGroup").values()
        if g["Properties"]["LogGroupName"] == name
    ]
    assert group["Properties"]["KmsKeyId"] == key_arn
    (secret,) = _resources(template, "AWS::SecretsManager::Secret").values()
    assert secret["Properties"]["KmsKeyId"] == key_arn
    # And CloudWatch Logs may use the key for that log group only
    (logs_grant,) = [
        s
        for s in key["Properties"]["KeyPolicy"]["Statement"]
        if "logs." in json.dumps(s.get("Principal", {}))
    ]
    condition = logs_grant["Condition"]["ArnEquals"]["kms:EncryptionContext:aws:logs:arn"]
    parts = condition["Fn::Join"][1]
    assert str(parts[-1]).endswith(f":log-group:{name}")
    # And the api function may decrypt with it through Secrets Manager only
    (role_id,) = _resources(template, "AWS::IAM::Role")
    (decrypt,) = [
        s
        for s in key["Properties"]["KeyPolicy"]["Statement"]
        if s["Principal"] == {"AWS": {"Fn::GetAtt": [role_id, "Arn"]}}
    ]
    assert _actions(decrypt) == ["kms:Decrypt"]
    assert "secretsmanager." in json.dumps(decrypt["Condition"]["StringEquals"]["kms:ViaService"])


def test_cache_is_keyed_by_token_path_and_every_query_parameter(
    federated_dev: Synthesized,
) -> None:
    # Given every query parameter the API documents
    document = json.loads(OPENAPI.read_text(encoding="utf-8"))
    documented = {
        parameter["name"]
        for item in document["paths"].values()
        for operation in item.values()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query"
    }
    # Then the cache key names each of them, the caller's token and the path
    assert documented <= set(QUERY_PARAMETERS)
    # (the cache is off in every shipped environment; the all-options dev synth turns it on)
    methods = _methods(federated_dev.template("dev", "api"))
    (proxy,) = [p for m, part, p in methods if m == "ANY"]
    assert sorted(proxy["Integration"]["CacheKeyParameters"]) == sorted(CACHE_KEY)
    assert "method.request.header.Authorization" in CACHE_KEY
    # And the Origin: a response names the caller's origin (Vary: Origin, which the cache
    # ignores), so one cached for another origin would be refused by the browser
    assert "method.request.header.Origin" in proxy["Integration"]["CacheKeyParameters"]
    assert proxy["RequestParameters"]["method.request.header.Origin"] is False


def test_waf_guards_the_stage_only_where_configured(synthesized: Synthesized, env: str) -> None:
    template = synthesized.template(env, "api")
    acls = _resources(template, "AWS::WAFv2::WebACL")
    associations = _resources(template, "AWS::WAFv2::WebACLAssociation")
    if synthesized.config(env).waf_enabled:
        (acl,) = acls.values()
        assert acl["Properties"]["Scope"] == "REGIONAL"
        rules = {rule["Name"] for rule in acl["Properties"]["Rules"]}
        assert {"RateLimitPerIp", "AWSManagedRulesCommonRuleSet"} <= rules
        assert len(associations) == 1
    else:
        assert (acls, associations) == ({}, {})


def test_cors_preflight_allows_the_configured_origins(synthesized: Synthesized, env: str) -> None:
    methods = _methods(synthesized.template(env, "api"))
    options = [p for m, _, p in methods if m == "OPTIONS"]
    assert options
    origins = synthesized.config(env).cors_origins
    for properties in options:
        response = properties["Integration"]["IntegrationResponses"][0]
        allowed = response["ResponseParameters"][
            "method.response.header.Access-Control-Allow-Origin"
        ]
        assert allowed.strip("'") == origins[0]


def test_function_names_only_the_configured_origins(synthesized: Synthesized, env: str) -> None:
    # Given the function's environment
    variables = _function(synthesized.template(env, "api"))["Properties"]["Environment"]
    # Then its settings carry the environment's origins, so responses echo those alone
    origins = variables["Variables"]["STRATA_CORS_ORIGINS"]
    environ = {
        k: v if isinstance(v, str) else "resolved-at-deploy"
        for k, v in variables["Variables"].items()
    }
    settings = Settings.from_env({**environ, "STRATA_CORS_ORIGINS": origins})
    assert settings.cors_origins == tuple(synthesized.config(env).cors_origins)
    assert "*" not in settings.cors_origins


def test_function_is_arm64_with_valid_settings_and_its_packaged_code(
    synthesized: Synthesized, env: str
) -> None:
    function = _function(synthesized.template(env, "api"))["Properties"]
    assert function["Architectures"] == ["arm64"]
    assert function["TracingConfig"] == {"Mode": "Active"}
    variables = function["Environment"]["Variables"]
    environ = {k: v if isinstance(v, str) else "resolved-at-deploy" for k, v in variables.items()}
    settings = Settings.from_env(environ)
    assert settings.embedder == "bedrock"
    assert settings.responder == "bedrock"
    assert settings.token_secret_parameter.startswith("/aws/reference/secretsmanager/")
    # The asset keeps the package path the handler imports
    staged = FunctionCode("api").staged()
    assert (staged / "lambdas" / "api" / "handler.py").is_file()
    assert not list(staged.rglob("__pycache__"))


def test_function_permissions_are_least_privilege(synthesized: Synthesized, env: str) -> None:
    statements = _statements(synthesized.template(env, "api"))
    actions = {action for statement in statements for action in _actions(statement)}
    # No service-wide wildcards, no table scans, no bucket-wide object access
    assert not [a for a in actions if a.endswith(":*") or a == "*"]
    assert "dynamodb:Scan" not in actions
    s3 = [s for s in statements if any(a.startswith("s3:") for a in _actions(s))]
    resources = json.dumps([s["Resource"] for s in s3])
    for prefix in ("/documents/*/original", "/documents/*", "/processed/*"):
        assert prefix in resources
    listing = [s for s in s3 if "s3:ListBucketVersions" in _actions(s)]
    assert listing[0]["Condition"] == {"StringLike": {"s3:prefix": ["documents/*", "processed/*"]}}
    cognito = [s for s in statements if any(a.startswith("cognito-idp:") for a in _actions(s))]
    assert {a for s in cognito for a in _actions(s)} == {
        "cognito-idp:AdminCreateUser",
        "cognito-idp:AdminDeleteUser",
        "cognito-idp:AdminGetUser",
        "cognito-idp:AdminDisableUser",
        "cognito-idp:AdminEnableUser",
        "cognito-idp:AdminUserGlobalSignOut",
        "cognito-idp:AdminAddUserToGroup",
        "cognito-idp:AdminRemoveUserFromGroup",
        "cognito-idp:CreateGroup",
        "cognito-idp:DeleteGroup",
    }
    bedrock = [s for s in statements if "bedrock:InvokeModel" in _actions(s)]
    models = json.dumps(bedrock[0]["Resource"])
    config = synthesized.config(env)
    assert config.embedding_model_id in models
    assert config.answer_model_id in models


def test_api_alarms_on_the_operations_dashboard(synthesized: Synthesized, env: str) -> None:
    alarms = synthesized.template(env, "monitoring").find_resources("AWS::CloudWatch::Alarm")
    names = {alarm["Properties"]["AlarmName"] for alarm in alarms.values()}
    prefix = Names(env).resource("")
    assert {f"{prefix}api-5xx", f"{prefix}api-p99-latency", f"{prefix}api-throttles"} <= names
    by_name = {a["Properties"]["AlarmName"]: json.dumps(a["Properties"]) for a in alarms.values()}
    assert '"Stat": "p99"' in by_name[f"{prefix}api-p99-latency"]
    assert '"MetricName": "Latency"' in by_name[f"{prefix}api-p99-latency"]
    assert '"MetricName": "5XXError"' in by_name[f"{prefix}api-5xx"]
    assert '"MetricName": "Throttles"' in by_name[f"{prefix}api-throttles"]


def test_code_staging_is_stable_and_follows_the_sources(tmp_path: Path) -> None:
    # Given a function package with a cache file that must not ship
    source = tmp_path / "lambdas" / "api"
    (source / "routes" / "__pycache__").mkdir(parents=True)
    (source / "handler.py").write_text("handler = None\n", encoding="utf-8")
    (source / "routes" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"cache")
    code = FunctionCode("api", lambdas_root=tmp_path / "lambdas", staging_root=tmp_path / "stage")
    # When it is staged twice, then changed and staged again
    first = code.staged()
    again = code.staged()
    (source / "handler.py").write_text("handler = 1\n", encoding="utf-8")
    changed = code.staged()
    # Then the same sources give the same directory, holding lambdas/api without caches
    assert first == again
    assert (first / "lambdas" / "api" / "handler.py").is_file() is False  # replaced
    assert (changed / "lambdas" / "api" / "handler.py").read_text(encoding="utf-8") == (
        "handler = 1\n"
    )
    assert not list(changed.rglob("*.pyc"))
    assert [p.name for p in (tmp_path / "stage").iterdir()] == [changed.name]
    assert code.handler == "lambdas.api.handler.handler"


def test_gateway_errors_use_the_api_error_shape(synthesized: Synthesized) -> None:
    responses = _resources(synthesized.template("dev", "api"), "AWS::ApiGateway::GatewayResponse")
    by_type = {r["Properties"]["ResponseType"]: r["Properties"] for r in responses.values()}
    assert {"UNAUTHORIZED", "ACCESS_DENIED", "THROTTLED", "DEFAULT_4XX", "DEFAULT_5XX"} <= set(
        by_type
    )
    unauthorized = by_type["UNAUTHORIZED"]
    template = unauthorized["ResponseTemplates"]["application/json"]
    assert '"type": "Unauthorized"' in template
    assert unauthorized["ResponseParameters"] == {
        "gatewayresponse.header.Access-Control-Allow-Origin": "'*'"
    }
