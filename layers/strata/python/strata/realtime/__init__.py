"""Real time over the WebSocket API: frames, connections, pushes and streamed answers.

- :mod:`strata.realtime.frames`: the frame contract (what clients send and receive, ordering, and
  the split of frames above API Gateway's 32 KB frame limit).
- :mod:`strata.realtime.converse`: Bedrock ``ConverseStream`` events parsed into typed ones.
- :mod:`strata.realtime.streaming`: streaming responders (Bedrock, local extractive) and the
  streaming assistant over the REST answer's retrieval and citation rules.
- :mod:`strata.realtime.tokens`: Cognito ID tokens checked on ``$connect``.
- :mod:`strata.realtime.push`: frames sent to connections through the management API.
- :mod:`strata.realtime.service`: connect, disconnect, ping and ``sendMessage``.
- :mod:`strata.realtime.factory`: ``wire_*`` and cached ``build_*`` production wiring.
"""
