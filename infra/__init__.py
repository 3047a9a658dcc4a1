"""Strata's CDK app: environment config, names, constructs and stacks. Imports no Lambda code."""
