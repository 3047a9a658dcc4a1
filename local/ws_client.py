"""Ask a question over the local WebSocket API and print the answer as it streams.

python -m local.ws_client --token "$TOKEN" --session "$SESSION" "How many vacation days?"
"""

from __future__ import annotations

import argparse
import json
import uuid

from websockets.sync.client import connect

from strata.realtime.frames import Reassembler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("question")
    parser.add_argument("--token", required=True, help="an ID token from /auth/login")
    parser.add_argument("--session", required=True, help="a session id from POST /sessions")
    parser.add_argument("--url", default="ws://127.0.0.1:3000/ws")
    args = parser.parse_args()
    frame = {"action": "sendMessage", "sessionId": args.session, "content": args.question}
    frame |= {"respond": True, "clientMessageId": uuid.uuid4().hex, "requestId": "ask-1"}
    parts = Reassembler()
    with connect(f"{args.url}?token={args.token}") as socket:
        socket.send(json.dumps(frame))
        for raw in socket:
            for got in parts.feed(raw):
                if got.get("requestId") != "ask-1":
                    continue  # a push (another device, a document), not this answer
                if got["type"] == "delta":
                    print(got["text"], end="", flush=True)
                elif got["type"] in ("done", "error"):
                    print("\n" + json.dumps({k: v for k, v in got.items() if k != "text"}))
                    return


if __name__ == "__main__":
    main()
