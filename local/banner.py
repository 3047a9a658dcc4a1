"""What ``make local`` prints once the gateway answers: URLs, the admin, and a curl session."""

from __future__ import annotations

from local.config import ADMIN_EMAIL, LocalConfig
from local.stack import StartReport

DEMO_EMAIL = "me@example.com"
DEMO_PASSWORD = "Local-Demo-Passw0rd!"  # noqa: S105 - an example for the printed curl session


def banner(config: LocalConfig, report: StartReport, aws_endpoint: str) -> str:
    api = config.gateway_url
    admin = (
        f"{ADMIN_EMAIL} / {report.admin_password}"
        if report.admin_password
        else f"{ADMIN_EMAIL} / (STRATA_LOCAL_ADMIN_PASSWORD)"
    )
    lines = [
        "",
        f"Strata local stack ready in {report.seconds:.1f} s"
        + (" (state restored)" if report.restored else ""),
        f"  API         {api}",
        f"  Swagger UI  {api}/swagger     OpenAPI {api}/openapi.json",
        f"  AWS (moto)  {aws_endpoint}   (credentials: see {config.runtime_file})",
        f"  State       {config.state_dir}/ (saved every {config.save_interval:.0f} s when "
        "changed, and on Ctrl-C; --fresh starts empty)",
        f"  Admin       {admin}",
    ]
    for function in report.missing:
        lines.append(
            f"  Not running {function.name}: {' / '.join(function.modules)} not in this tree"
        )
    lines += [
        "",
        "Try it (the README's quickstart walks the whole session):",
        f"  API={api}",
        f"  curl -s -X POST $API/auth/signup -H 'Content-Type: application/json' "
        f'-d \'{{"email":"{DEMO_EMAIL}","password":"{DEMO_PASSWORD}"}}\'',
        f"  TOKEN=$(curl -s -X POST $API/auth/login -H 'Content-Type: application/json' "
        f'-d \'{{"username":"{DEMO_EMAIL}","password":"{DEMO_PASSWORD}"}}\' '
        "| python3 -c 'import json,sys; print(json.load(sys.stdin)[\"idToken\"])')",
        '  curl -s -X POST $API/sessions -H "Authorization: Bearer $TOKEN" '
        "-H 'Content-Type: application/json' -d '{\"title\":\"First chat\"}'",
        '  curl -s $API/sessions -H "Authorization: Bearer $TOKEN"',
        "",
        "Ctrl-C stops it (pending work is handled and the state saved first).",
        "",
    ]
    return "\n".join(lines)
