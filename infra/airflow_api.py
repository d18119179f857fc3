"""Airflow's REST API on loopback, with the simple auth manager's token: what the project asks
of a running Airflow (which DAGs it has parsed, which files failed to import) and tells it
(trigger a DAG run, unpause a DAG)."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from core.errors import LkError

TIMEOUT_S = 30.0
"""How long one request may take: the API server runs one worker, shared with running tasks."""


def api_token(url: str, username: str, password: str) -> str:
    """A JWT for the REST API from `POST /auth/token` (the simple auth manager's users)."""
    return _checked(
        lambda: httpx.post(
            f"{url}/auth/token",
            json={"username": username, "password": password},
            timeout=TIMEOUT_S,
        )
    )["access_token"]


def get_json(url: str, path: str, token: str) -> dict:
    """The JSON document at `url + path` (e.g. /api/v2/dags), asked with the token."""
    headers = {"Authorization": f"Bearer {token}"}
    return _checked(lambda: httpx.get(f"{url}{path}", headers=headers, timeout=TIMEOUT_S))


def send_json(url: str, method: str, path: str, token: str, body: dict) -> dict:
    """`method` (POST, PATCH) the JSON `body` to `url + path` with the token; the JSON answer."""
    headers = {"Authorization": f"Bearer {token}"}
    return _checked(
        lambda: httpx.request(method, f"{url}{path}", json=body, headers=headers, timeout=TIMEOUT_S)
    )


def parsed_dags(url: str, token: str) -> tuple[list[str], list[str]]:
    """The DAG ids Airflow serves now, and one line per DAG file that failed to import."""
    dags = get_json(url, "/api/v2/dags?limit=1000", token)["dags"]
    errors = get_json(url, "/api/v2/importErrors?limit=1000", token)["import_errors"]
    return sorted(dag["dag_id"] for dag in dags), [
        f"{error['filename']}: {error['stack_trace'].strip().splitlines()[-1]}" for error in errors
    ]


def _checked(send: Callable[[], httpx.Response]) -> dict:
    """The response's JSON; one LkError line if the API refuses or does not answer."""
    try:
        response = send()
        response.raise_for_status()
        return response.json()
    except httpx.HTTPStatusError as error:
        raise LkError(
            f"Airflow's API refused {error.request.url}: HTTP {error.response.status_code}"
        ) from None
    except (httpx.HTTPError, ValueError) as error:
        raise LkError(f"Airflow's API did not answer: {error}") from None
