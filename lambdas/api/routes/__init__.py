"""One Powertools ``Router`` per resource; ``lambdas.api.handler`` includes each with one line."""
