"""Request bodies over a size cap are refused with a 413 before they are read into memory or parsed."""

from __future__ import annotations

from collections.abc import Callable

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_response

# A JSON request carries a question of at most max_question_chars plus the conversation before it, of
# which the assistant reads only the last history_tokens. A megabyte holds hundreds of long turns;
# anything bigger is a mistake or an attack, and is refused before it is parsed.
MAX_JSON_BYTES = 1_000_000
# Multipart headers and boundaries around an uploaded file; the file itself is held to the upload limit.
MULTIPART_SLACK_BYTES = 64_000


class BodyTooLargeError(HTTPException):
    """A body that outgrew its cap while it arrived (no ``Content-Length`` announced it)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, _message(limit))
        self.code = "request_too_large"


class BodyLimit:
    """ASGI middleware: caps request bodies by path; ``limit_for(method, path)`` gives the cap, or None for none.

    A declared ``Content-Length`` over the cap is refused at once; a chunked body is counted as it
    arrives and refused when it passes the cap (the route's error handler answers then).
    """

    def __init__(self, app: ASGIApp, limit_for: Callable[[str, str], int | None]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.limit_for(scope["method"], scope["path"]) if scope["type"] == "http" else None
        if limit is None:
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await error_response(413, _message(limit), code="request_too_large")(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLargeError(limit)
            return message

        await self.app(scope, counted, send)


def _message(limit: int) -> str:
    return f"The request body is over the {limit:,}-byte limit of this endpoint."
