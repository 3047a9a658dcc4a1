"""``python -m lambdas.api.openapi`` prints the API's OpenAPI document (``make openapi``)."""

from __future__ import annotations

import sys

from lambdas.api.handler import app
from lambdas.api.openapi_config import openapi_json


def main() -> None:
    sys.stdout.write(openapi_json(app) + "\n")


if __name__ == "__main__":
    main()
