"""The embedded local stack: ``make local`` runs the platform on 127.0.0.1 in one process.

moto's server emulates DynamoDB (with streams), S3, SQS and Cognito (:mod:`local.aws`), provisioned
from the stacks' own sources (:mod:`local.provision`); an ASGI gateway under uvicorn turns HTTP
requests into API Gateway proxy events for the same ``api`` handler (:mod:`local.gateway`); pumps
feed the queue and the stream to ``ingest`` and ``streams`` and run ``maintenance`` every minute
(:mod:`local.pumps`); the state survives restarts (:mod:`local.state`).
"""
