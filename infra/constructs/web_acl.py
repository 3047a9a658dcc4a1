"""AWS WAF in front of the API stage: a per-IP rate limit, Strata's own body-size rule, and AWS's
common and known-bad-inputs rule groups tuned to what the API legitimately carries.

``AWSManagedRulesCommonRuleSet`` as shipped blocks every body over 8 KB
(``SizeRestrictions_BODY``), while the API takes 20,000-character messages and memories, and chat
text that quotes markup or file paths trips ``CrossSiteScripting_BODY`` and ``GenericLFI_BODY``.
Those three rules are set to count (their matches stay visible in the WAF metrics and sampled
requests). The size limit that replaces the 8 KB one is the API's own
(``lambdas/api/limits.py``, 409,600 bytes): WAF inspects at most the first 8-64 KB of a body, so
the rule reads the ``Content-Length`` header and blocks a value above the limit. Bodies reach the
function as JSON that it validates and stores as data, never renders as HTML or opens as paths.
"""

from __future__ import annotations

from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from infra.names import Names

WAF_RATE_LIMIT_PER_5_MINUTES = 2000
# The API's largest request body (lambdas/api/limits.py; tests/infra asserts they agree).
API_MAX_BODY_BYTES = 409_600
COMMON_RULE_SET = "AWSManagedRulesCommonRuleSet"
KNOWN_BAD_INPUTS = "AWSManagedRulesKnownBadInputsRuleSet"
# Rules of the common rule set that would block ordinary chat and memory bodies: counted only.
COUNTED_COMMON_RULES = ("SizeRestrictions_BODY", "CrossSiteScripting_BODY", "GenericLFI_BODY")
BODY_SIZE_RULE = "BodyOverApiLimit"


def greater_than_regex(limit: int) -> str:
    """A regular expression matching exactly the decimal integers (leading zeros allowed) that
    are greater than ``limit``: WAF compares header values as text, never as numbers."""
    digits = str(limit)
    width = len(digits)
    branches = [rf"[1-9]\d{{{width},}}"]  # more digits than the limit has
    for position, digit in enumerate(digits):
        if digit == "9":
            continue
        rest = width - position - 1
        tail = rf"\d{{{rest}}}" if rest else ""
        branches.append(f"{digits[:position]}[{int(digit) + 1}-9]{tail}")
    return "^0*(?:" + "|".join(branches) + ")$"


class ApiWebAcl:
    """Builds the WebACL and its association with one API Gateway stage directly in ``scope``
    (``WebAcl``, ``WebAclAssociation``: logical ids unchanged from when the API construct built
    them, so no deployed, fixed-name WebACL is replaced)."""

    def __init__(self, scope: Construct, *, names: Names, stage_arn: str) -> None:
        self._names = names
        self.acl = wafv2.CfnWebACL(
            scope,
            "WebAcl",
            name=names.resource("api"),
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            rules=[
                self._rate_limit(0),
                self._body_size_limit(1),
                self._managed(COMMON_RULE_SET, 2, counted=COUNTED_COMMON_RULES),
                self._managed(KNOWN_BAD_INPUTS, 3),
            ],
            visibility_config=self._visibility("api"),
        )
        wafv2.CfnWebACLAssociation(
            scope, "WebAclAssociation", resource_arn=stage_arn, web_acl_arn=self.acl.attr_arn
        )

    def _rate_limit(self, priority: int) -> wafv2.CfnWebACL.RuleProperty:
        return wafv2.CfnWebACL.RuleProperty(
            name="RateLimitPerIp",
            priority=priority,
            action=wafv2.CfnWebACL.RuleActionProperty(block={}),
            statement=wafv2.CfnWebACL.StatementProperty(
                rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                    limit=WAF_RATE_LIMIT_PER_5_MINUTES, aggregate_key_type="IP"
                )
            ),
            visibility_config=self._visibility("RateLimitPerIp"),
        )

    def _body_size_limit(self, priority: int) -> wafv2.CfnWebACL.RuleProperty:
        return wafv2.CfnWebACL.RuleProperty(
            name=BODY_SIZE_RULE,
            priority=priority,
            action=wafv2.CfnWebACL.RuleActionProperty(block={}),
            statement=wafv2.CfnWebACL.StatementProperty(
                regex_match_statement=wafv2.CfnWebACL.RegexMatchStatementProperty(
                    regex_string=greater_than_regex(API_MAX_BODY_BYTES),
                    field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(
                        single_header={"Name": "content-length"}
                    ),
                    text_transformations=[
                        wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")
                    ],
                )
            ),
            visibility_config=self._visibility(BODY_SIZE_RULE),
        )

    def _managed(
        self, name: str, priority: int, *, counted: tuple[str, ...] = ()
    ) -> wafv2.CfnWebACL.RuleProperty:
        overrides = [
            wafv2.CfnWebACL.RuleActionOverrideProperty(
                name=rule, action_to_use=wafv2.CfnWebACL.RuleActionProperty(count={})
            )
            for rule in counted
        ]
        return wafv2.CfnWebACL.RuleProperty(
            name=name,
            priority=priority,
            override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
            statement=wafv2.CfnWebACL.StatementProperty(
                managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                    vendor_name="AWS", name=name, rule_action_overrides=overrides or None
                )
            ),
            visibility_config=self._visibility(name),
        )

    def _visibility(self, name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
        return wafv2.CfnWebACL.VisibilityConfigProperty(
            cloud_watch_metrics_enabled=True,
            metric_name=f"{self._names.resource('api')}-{name}",
            sampled_requests_enabled=True,
        )
