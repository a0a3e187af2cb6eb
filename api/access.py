"""Who may call the API: everyone, holders of the API key, or nobody."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

from fastapi import Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.errors import APIError

_bearer = HTTPBearer(auto_error=False, description="The server's CITEWISE_API_KEY, sent as `Authorization: Bearer KEY`.")


@dataclass(frozen=True)
class Access:
    """The API's door.

    With ``api_key`` set, every request needs ``Authorization: Bearer <api_key>``. Without one, the
    API is open, unless the chat has a login (``login``): then the API is closed, since an open API
    would read the documents the login protects.
    """

    api_key: str = ""
    login: bool = False

    @classmethod
    def from_settings(cls, settings: Any) -> Access:
        """The door ``CITEWISE_API_KEY`` and ``CITEWISE_AUTH`` describe."""
        return cls(api_key=settings.api_key, login=bool(settings.auth))

    @property
    def is_open(self) -> bool:
        """True when anyone who reaches the server may call the API."""
        return not self.api_key and not self.login

    def check(self, credentials: HTTPAuthorizationCredentials | None) -> None:
        """Let the request through, or raise the ``APIError`` (401 or 403) saying why not."""
        if self.is_open:
            return
        if not self.api_key:
            raise APIError(
                403,
                "The API is closed: the app has a login (CITEWISE_AUTH) but no API key. "
                "Set CITEWISE_API_KEY on the server and send it as `Authorization: Bearer KEY`.",
                code="api_closed",
            )
        if credentials is None:
            raise APIError(
                401, "Missing API key: send `Authorization: Bearer KEY` (the server's CITEWISE_API_KEY).", code="missing_api_key"
            )
        # Constant-time, so the response time does not tell how much of a guess was right.
        if not hmac.compare_digest(credentials.credentials.encode(), self.api_key.encode()):
            raise APIError(
                401,
                "Incorrect API key: send the server's CITEWISE_API_KEY as `Authorization: Bearer KEY`.",
                code="invalid_api_key",
            )

    def dependency(self) -> Any:
        """A FastAPI dependency enforcing this door; it also puts the bearer scheme into the OpenAPI page."""

        # async: a comparison needs no worker thread.
        async def require(credentials: HTTPAuthorizationCredentials | None = Security(_bearer)) -> None:
            self.check(credentials)

        return require
