"""The ``api`` function: the REST API behind API Gateway's Cognito authorizer."""
