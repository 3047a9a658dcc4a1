"""DynamoDB access: the one table wrapper and one repository per aggregate.

Nothing outside this package calls DynamoDB. Repositories take ids (never raw keys), a
:class:`~strata.store.table.Table` and a clock; :func:`strata.store.factory.build_repositories`
builds the production wiring once per process.
"""
