"""The Cognito user pool, groups, custom attribute, public SRP client and optional IdPs."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Template

from infra.names import Names
from tests.infra.conftest import Synthesized


def _pool(template: Template) -> dict[str, Any]:
    (pool,) = template.find_resources("AWS::Cognito::UserPool").values()
    return dict(pool)


def _client(template: Template) -> dict[str, Any]:
    (client,) = template.find_resources("AWS::Cognito::UserPoolClient").values()
    properties: dict[str, Any] = client["Properties"]
    return properties


def test_pool_signs_in_by_email_with_a_strong_password_policy(
    synthesized: Synthesized, env: str
) -> None:
    properties = _pool(synthesized.template(env, "auth"))["Properties"]
    assert properties["UserPoolName"] == Names(env).user_pool
    assert properties["UsernameAttributes"] == ["email"]
    assert properties["AutoVerifiedAttributes"] == ["email"]
    assert properties["Policies"]["PasswordPolicy"] == {
        "MinimumLength": 12,
        "RequireLowercase": True,
        "RequireUppercase": True,
        "RequireNumbers": True,
        "RequireSymbols": True,
        "TemporaryPasswordValidityDays": 3,
    }
    assert properties["AccountRecoverySetting"] == {
        "RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]
    }


def test_mfa_and_deletion_protection_follow_the_environment(
    synthesized: Synthesized, env: str
) -> None:
    config = synthesized.config(env)
    pool = _pool(synthesized.template(env, "auth"))
    properties = pool["Properties"]
    assert properties["MfaConfiguration"] == ("ON" if config.mfa == "required" else "OPTIONAL")
    assert properties["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    expected = "ACTIVE" if config.deletion_protection else "INACTIVE"
    assert properties["DeletionProtection"] == expected
    assert pool["DeletionPolicy"] == ("Retain" if config.is_retained else "Delete")


def test_mfa_is_optional_in_dev_and_required_in_prod(synthesized: Synthesized) -> None:
    dev = _pool(synthesized.template("dev", "auth"))["Properties"]
    prod = _pool(synthesized.template("prod", "auth"))["Properties"]
    assert dev["MfaConfiguration"] == "OPTIONAL"
    assert prod["MfaConfiguration"] == "ON"
    assert dev["DeletionProtection"] == "INACTIVE"
    assert prod["DeletionProtection"] == "ACTIVE"


def test_custom_role_attribute_exists(synthesized: Synthesized, env: str) -> None:
    schema = _pool(synthesized.template(env, "auth"))["Properties"]["Schema"]
    (role,) = [attribute for attribute in schema if attribute["Name"] == "role"]
    assert role["AttributeDataType"] == "String"
    assert role["Mutable"] is True


def test_groups_admin_developers_general(synthesized: Synthesized, env: str) -> None:
    groups = synthesized.template(env, "auth").find_resources("AWS::Cognito::UserPoolGroup")
    by_name = {g["Properties"]["GroupName"]: g["Properties"] for g in groups.values()}
    assert set(by_name) == {"ADMIN", "DEVELOPERS", "GENERAL"}
    assert by_name["ADMIN"]["Precedence"] < by_name["DEVELOPERS"]["Precedence"]
    assert by_name["DEVELOPERS"]["Precedence"] < by_name["GENERAL"]["Precedence"]


def test_app_client_is_public_srp_only(synthesized: Synthesized, env: str) -> None:
    client = _client(synthesized.template(env, "auth"))
    assert client["GenerateSecret"] is False
    assert sorted(client["ExplicitAuthFlows"]) == [
        "ALLOW_REFRESH_TOKEN_AUTH",
        "ALLOW_USER_SRP_AUTH",
    ]
    assert client["PreventUserExistenceErrors"] == "ENABLED"
    assert client["EnableTokenRevocation"] is True
    assert client["SupportedIdentityProviders"] == ["COGNITO"]
    # Users cannot grant themselves a role: the app reads custom:role but never writes it
    assert "custom:role" in client["ReadAttributes"]
    assert "custom:role" not in client["WriteAttributes"]


def test_configured_identity_providers_are_federated(federated_dev: Synthesized) -> None:
    template = federated_dev.template("dev", "auth")
    providers = template.find_resources("AWS::Cognito::UserPoolIdentityProvider")
    by_type = {p["Properties"]["ProviderType"]: p["Properties"] for p in providers.values()}
    assert set(by_type) == {"Google", "LoginWithAmazon"}
    assert by_type["Google"]["ProviderDetails"]["client_id"] == "google-client"
    secret = str(by_type["Google"]["ProviderDetails"]["client_secret"])
    assert "resolve:secretsmanager:strata/dev/google" in secret
    client = _client(template)
    assert sorted(client["SupportedIdentityProviders"]) == ["COGNITO", "Google", "LoginWithAmazon"]
    assert client["AllowedOAuthFlows"] == ["code"]
    assert len(template.find_resources("AWS::Cognito::UserPoolDomain")) == 1


def test_no_identity_providers_unless_configured(synthesized: Synthesized, env: str) -> None:
    template = synthesized.template(env, "auth")
    assert template.find_resources("AWS::Cognito::UserPoolIdentityProvider") == {}
    assert template.find_resources("AWS::Cognito::UserPoolDomain") == {}
