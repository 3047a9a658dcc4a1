"""The Cognito user pool, its groups, the public SRP app client and optional federated IdPs."""

from __future__ import annotations

from aws_cdk import Aws, Duration, RemovalPolicy, SecretValue
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.config import EnvironmentConfig, FederatedProvider
from infra.nag import acknowledge
from infra.names import Names
from infra.specs import (
    ACCESS_TOKEN_VALIDITY_HOURS,
    GROUPS,
    ID_TOKEN_VALIDITY_HOURS,
    PASSWORD_POLICY,
    REFRESH_TOKEN_VALIDITY_DAYS,
    ROLE_ATTRIBUTE,
)

OAUTH_CALLBACK_PATH = "/auth/callback"


class UserDirectory(Construct):
    """The user pool with its groups and app client; functions get access through :meth:`grant`."""

    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig) -> None:
        super().__init__(scope, construct_id)
        self._config = config
        self._names = Names(config.name)
        self.user_pool = self._build_user_pool()
        self._acknowledge_findings()
        self.groups = [
            self._build_group(group.name, group.precedence, group.description) for group in GROUPS
        ]
        self.identity_providers = self._build_identity_providers()
        self.client = self._build_client()

    def _build_user_pool(self) -> cognito.UserPool:
        config = self._config
        return cognito.UserPool(
            self,
            "UserPool",
            user_pool_name=self._names.user_pool,
            sign_in_aliases=cognito.SignInAliases(email=True, username=False),
            sign_in_case_sensitive=False,
            self_sign_up_enabled=True,
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            keep_original=cognito.KeepOriginalAttrs(email=True),
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=True, mutable=True),
                given_name=cognito.StandardAttribute(required=False, mutable=True),
                family_name=cognito.StandardAttribute(required=False, mutable=True),
            ),
            custom_attributes={
                ROLE_ATTRIBUTE: cognito.StringAttribute(min_len=1, max_len=32, mutable=True)
            },
            password_policy=cognito.PasswordPolicy(
                min_length=PASSWORD_POLICY.min_length,
                require_lowercase=PASSWORD_POLICY.require_lowercase,
                require_uppercase=PASSWORD_POLICY.require_uppercase,
                require_digits=PASSWORD_POLICY.require_digits,
                require_symbols=PASSWORD_POLICY.require_symbols,
                temp_password_validity=Duration.days(PASSWORD_POLICY.temp_password_validity_days),
            ),
            mfa=cognito.Mfa.REQUIRED if config.mfa == "required" else cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            deletion_protection=config.deletion_protection,
            removal_policy=RemovalPolicy.RETAIN if config.is_retained else RemovalPolicy.DESTROY,
        )

    def grant(self, grantee: iam.IRole, *actions: str) -> None:
        """Let ``grantee`` call the ``cognito-idp:`` ``actions`` on the user pool."""
        grantee.add_to_principal_policy(
            iam.PolicyStatement(actions=list(actions), resources=[self.user_pool.user_pool_arn])
        )

    def _acknowledge_findings(self) -> None:
        acknowledge(
            self.user_pool,
            "COG8",
            "The Plus feature plan (threat protection) is billed per monthly active user and is "
            "an opt-in per deployment; without it the pool still enforces a 12-character "
            "four-class password policy, email-only recovery, no user-existence errors, token "
            "revocation and MFA (required in prod)",
        )
        if self._config.mfa == "optional":
            acknowledge(
                self.user_pool,
                "COG2",
                f"MFA is optional in {self._config.name} by configuration (mfa=optional) so "
                "test users can sign in from scripts; TOTP is offered to every user and prod "
                "requires it",
            )

    def _build_group(self, name: str, precedence: int, description: str) -> cognito.UserPoolGroup:
        return cognito.UserPoolGroup(
            self,
            f"Group{name.capitalize()}",
            user_pool=self.user_pool,
            group_name=name,
            precedence=precedence,
            description=description,
        )

    def _build_identity_providers(self) -> list[cognito.IUserPoolIdentityProvider]:
        providers: list[cognito.IUserPoolIdentityProvider] = []
        configured = self._config.identity_providers
        if configured.google is not None:
            providers.append(self._build_google(configured.google))
        if configured.amazon is not None:
            providers.append(self._build_amazon(configured.amazon))
        if providers:
            # Federated sign-in goes through the hosted domain; its prefix must be global.
            self.user_pool.add_domain(
                "Domain",
                cognito_domain=cognito.CognitoDomainOptions(
                    domain_prefix=f"{self._names.user_pool}-{Aws.ACCOUNT_ID}"
                ),
            )
        return providers

    def _build_google(self, provider: FederatedProvider) -> cognito.IUserPoolIdentityProvider:
        return cognito.UserPoolIdentityProviderGoogle(
            self,
            "Google",
            user_pool=self.user_pool,
            client_id=provider.client_id,
            client_secret_value=SecretValue.secrets_manager(provider.client_secret_name),
            scopes=["openid", "email", "profile"],
            attribute_mapping=cognito.AttributeMapping(
                email=cognito.ProviderAttribute.GOOGLE_EMAIL,
                given_name=cognito.ProviderAttribute.GOOGLE_GIVEN_NAME,
                family_name=cognito.ProviderAttribute.GOOGLE_FAMILY_NAME,
            ),
        )

    def _build_amazon(self, provider: FederatedProvider) -> cognito.IUserPoolIdentityProvider:
        # A dynamic reference: the secret is resolved by CloudFormation, never in the template.
        secret = SecretValue.secrets_manager(provider.client_secret_name).unsafe_unwrap()
        return cognito.UserPoolIdentityProviderAmazon(
            self,
            "Amazon",
            user_pool=self.user_pool,
            client_id=provider.client_id,
            client_secret=secret,
            scopes=["profile"],
            attribute_mapping=cognito.AttributeMapping(
                email=cognito.ProviderAttribute.AMAZON_EMAIL,
                fullname=cognito.ProviderAttribute.AMAZON_NAME,
            ),
        )

    def _supported_providers(self) -> list[cognito.UserPoolClientIdentityProvider]:
        supported = [cognito.UserPoolClientIdentityProvider.COGNITO]
        if self._config.identity_providers.google is not None:
            supported.append(cognito.UserPoolClientIdentityProvider.GOOGLE)
        if self._config.identity_providers.amazon is not None:
            supported.append(cognito.UserPoolClientIdentityProvider.AMAZON)
        return supported

    def _build_client(self) -> cognito.UserPoolClient:
        # The role attribute is readable by the app but written only by administrators.
        writable = cognito.ClientAttributes().with_standard_attributes(
            email=True, given_name=True, family_name=True
        )
        readable = writable.with_custom_attributes(ROLE_ATTRIBUTE).with_standard_attributes(
            email_verified=True
        )
        federated = bool(self.identity_providers)
        client = self.user_pool.add_client(
            "AppClient",
            user_pool_client_name=self._names.user_pool_client,
            generate_secret=False,
            auth_flows=cognito.AuthFlow(user_srp=True),
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
            access_token_validity=Duration.hours(ACCESS_TOKEN_VALIDITY_HOURS),
            id_token_validity=Duration.hours(ID_TOKEN_VALIDITY_HOURS),
            refresh_token_validity=Duration.days(REFRESH_TOKEN_VALIDITY_DAYS),
            read_attributes=readable,
            write_attributes=writable,
            supported_identity_providers=self._supported_providers(),
            disable_o_auth=not federated,
            o_auth=self._oauth_settings() if federated else None,
        )
        for provider in self.identity_providers:
            client.node.add_dependency(provider)
        return client

    def _oauth_settings(self) -> cognito.OAuthSettings:
        urls = [f"{origin}{OAUTH_CALLBACK_PATH}" for origin in self._config.cors_origins]
        return cognito.OAuthSettings(
            flows=cognito.OAuthFlows(authorization_code_grant=True),
            scopes=[
                cognito.OAuthScope.OPENID,
                cognito.OAuthScope.EMAIL,
                cognito.OAuthScope.PROFILE,
            ],
            callback_urls=urls,
            logout_urls=[f"{origin}/" for origin in self._config.cors_origins],
        )
