"""Citewise's HTTP API under ``/v1``: OpenAI-compatible chat, plus search, documents, sync and status.

``create_api`` builds the FastAPI app; ``app.py`` mounts the Gradio chat on it, so one server
serves both. The API calls only the ``Citewise`` façade and never imports Gradio.
"""

from __future__ import annotations

from fastapi import Depends, FastAPI, Request
from starlette.routing import Match

from api.access import Access
from api.chats import chats_router
from api.errors import APIError, install_error_handlers
from api.limits import MAX_JSON_BYTES, MULTIPART_SLACK_BYTES, BodyLimit
from api.openai import Link, chat_router
from api.routes import citewise_router
from assistant import Citewise

__all__ = ["PREFIX", "Access", "Link", "create_api"]

PREFIX = "/v1"

_DESCRIPTION = """
Ask your documents over HTTP and get answers whose sentences cite their sources.

* **OpenAI-compatible**: `POST /v1/chat/completions` (plain or streamed) and `GET /v1/models`, for any
  OpenAI client with `base_url=http://HOST:PORT/v1`. The citations come as data in a `citations` field.
* **Citewise**: search with every stage's scores, the documents folder, sync and the index's status.
* **Saved chats**: the chat window's chats, listed, asked in, read back with each citation's state, renamed,
  deleted and exported; `X-Citewise-User` names whose (none: the local user's).

**Access**: with `CITEWISE_API_KEY` set, send it as `Authorization: Bearer KEY`. Without one the API is
open, unless the chat has a login (`CITEWISE_AUTH`): then it is closed until a key is set.
"""


def create_api(citewise: Citewise, access: Access, link: Link | None = None) -> FastAPI:
    """The API app over ``citewise``, behind ``access``; ``link`` gives a citation's viewer URL (relative to the root).

    Example:
        >>> server = create_api(citewise, Access(api_key="s3cret"), link=document_link)
        >>> uvicorn.run(server, port=7860)  # then: POST http://127.0.0.1:7860/v1/chat/completions
    """
    app = FastAPI(title="Citewise", description=_DESCRIPTION, redoc_url=None)
    install_error_handlers(app)
    upload_limit = citewise.choices().max_upload_bytes + MULTIPART_SLACK_BYTES

    def limit_for(method: str, path: str) -> int | None:
        if not path.startswith(f"{PREFIX}/"):
            return None  # the chat and the viewer keep Gradio's own limits
        return upload_limit if method == "POST" and path == f"{PREFIX}/documents" else MAX_JSON_BYTES

    app.add_middleware(BodyLimit, limit_for=limit_for)
    guarded = [Depends(access.dependency())]
    app.include_router(chat_router(citewise, link), prefix=PREFIX, dependencies=guarded)
    app.include_router(citewise_router(citewise), prefix=PREFIX, dependencies=guarded)
    app.include_router(chats_router(citewise), prefix=PREFIX, dependencies=guarded)

    # Everything under /v1 is the API's, so an unknown path or method gets an OpenAI-style error
    # instead of falling through to the Gradio app mounted at the root.
    @app.api_route(
        f"{PREFIX}/{{path:path}}",
        methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
        include_in_schema=False,
        dependencies=guarded,
    )
    async def unknown(request: Request, path: str) -> None:
        if any(route.matches(request.scope)[0] is Match.PARTIAL for route in app.router.routes):
            raise APIError(405, f"{request.method} is not allowed on {request.url.path}; see /docs.")
        raise APIError(404, f"No endpoint {request.method} {request.url.path}; see /docs.", code="unknown_url")

    return app
