"""One Powertools ``Router`` per resource; ``lambdas.api.app`` includes each with one line."""
