"""The WAF in front of the API lets ordinary requests through (issue 9, point 1): the common rule
set's body rules that block chat text only count, and Strata's own body-size rule blocks at the
API's real limit."""

from __future__ import annotations

import re
from typing import Any

import pytest

from infra.constructs.web_acl import (
    API_MAX_BODY_BYTES,
    BODY_SIZE_RULE,
    COMMON_RULE_SET,
    greater_than_regex,
)
from lambdas.api.limits import MAX_REQUEST_BODY_BYTES
from tests.infra.conftest import Synthesized

COUNTED = {"SizeRestrictions_BODY", "CrossSiteScripting_BODY", "GenericLFI_BODY"}


def _rules(synthesized: Synthesized, env: str) -> dict[str, dict[str, Any]]:
    template = synthesized.template(env, "api")
    (acl,) = template.find_resources("AWS::WAFv2::WebACL").values()
    return {rule["Name"]: rule for rule in acl["Properties"]["Rules"]}


@pytest.mark.parametrize("env", ["staging", "prod"])
def test_the_common_rule_sets_body_rules_only_count(synthesized: Synthesized, env: str) -> None:
    # Given the WebACL of an environment with WAF on
    rule = _rules(synthesized, env)[COMMON_RULE_SET]
    statement = rule["Statement"]["ManagedRuleGroupStatement"]
    # Then the rules that block 8 KB+ bodies, quoted markup and file paths are set to count
    overrides = {o["Name"]: o["ActionToUse"] for o in statement["RuleActionOverrides"]}
    assert overrides == {name: {"Count": {}} for name in COUNTED}
    # And the rest of the group still blocks as AWS ships it
    assert rule["OverrideAction"] == {"None": {}}


@pytest.mark.parametrize("env", ["staging", "prod"])
def test_strata_blocks_bodies_over_the_apis_own_limit(synthesized: Synthesized, env: str) -> None:
    # Given the WebACL's body-size rule
    rules = _rules(synthesized, env)
    rule = rules[BODY_SIZE_RULE]
    statement = rule["Statement"]["RegexMatchStatement"]
    # Then it blocks on the Content-Length header (WAF sees at most 64 KB of a body itself)
    assert rule["Action"] == {"Block": {}}
    assert statement["FieldToMatch"] == {"SingleHeader": {"Name": "content-length"}}
    assert statement["RegexString"] == greater_than_regex(MAX_REQUEST_BODY_BYTES)
    # And it is evaluated before the managed rule groups
    assert rule["Priority"] < rules[COMMON_RULE_SET]["Priority"]


def test_the_waf_limit_is_the_apis_limit() -> None:
    assert API_MAX_BODY_BYTES == MAX_REQUEST_BODY_BYTES


@pytest.mark.parametrize("limit", [409_600, 9, 10, 99_999, 100_000, 123_456_789])
def test_the_size_regex_matches_exactly_the_lengths_above_the_limit(limit: int) -> None:
    pattern = re.compile(greater_than_regex(limit))
    near = range(max(0, limit - 1_200), limit + 1_200)
    samples = [*near, 0, 1, limit * 10, limit * 10 + 7, 10 ** len(str(limit))]
    for value in samples:
        assert bool(pattern.match(str(value))) is (value > limit), value
    # Leading zeros do not hide a large value; text is never a size
    assert pattern.match("00" + str(limit + 1))
    assert not pattern.match("0" + str(limit))
    assert not pattern.match("lots")
