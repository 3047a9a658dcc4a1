"""``GET /health``: public liveness. It touches no dependency, so it is cheap to probe."""

from typing import Literal

from pydantic import BaseModel

from lambdas.api.routing import new_router

router = new_router()


class Health(BaseModel):
    status: Literal["ok"]


@router.get("/health", tags=["health"], summary="Liveness probe (public)", security=[{}])
def health() -> Health:
    return Health(status="ok")
