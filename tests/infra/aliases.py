"""Where a Strata function is invoked: its alias ``live``, on the version each deploy publishes."""

from __future__ import annotations

from aws_cdk.assertions import Template

from infra.constructs.function import LIVE_ALIAS


def live_alias_id(template: Template, function_id: str) -> str:
    """The logical id of ``function_id``'s alias ``live``, checked to point at a version of that
    function which this template publishes."""
    aliases = {
        logical_id: resource["Properties"]
        for logical_id, resource in template.find_resources("AWS::Lambda::Alias").items()
        if resource["Properties"]["FunctionName"] == {"Ref": function_id}
    }
    assert len(aliases) == 1, f"{function_id} has {len(aliases)} aliases"
    ((alias_id, alias),) = aliases.items()
    assert alias["Name"] == LIVE_ALIAS
    version_id = alias["FunctionVersion"]["Fn::GetAtt"][0]
    version = template.to_json()["Resources"][version_id]
    assert version["Type"] == "AWS::Lambda::Version"
    assert version["Properties"]["FunctionName"] == {"Ref": function_id}
    return alias_id
