"""One stack per concern, composed per environment by :class:`infra.stage.StrataStage`."""
