"""Settings the index needs; the assistant's settings extend this section."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_EMBED_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


class IndexSettings(BaseSettings):
    """Where the index lives, which documents feed it and how they are chunked and embedded."""

    model_config = SettingsConfigDict(env_prefix="CITEWISE_", env_file=".env", extra="ignore")

    data_dir: Path = Path("data")
    docs_dir: Path = Path("seeds")
    embed_model: str = DEFAULT_EMBED_MODEL
    embed_batch_size: int = Field(64, ge=1)
    # Chunks embedded and written together: bigger is a little faster, smaller loses less to a crash.
    write_batch: int = Field(256, ge=1)
    # Chunks must fit the embedding model's window, which is read from the model;
    # this caps it further (tokens).
    chunk_tokens: int = Field(200, ge=1)
    chunk_overlap_sentences: int = Field(1, ge=0)
    # Larger files are reported and skipped: embedding 50 MB of text would take hours on a laptop CPU.
    max_file_mb: float = Field(20.0, gt=0)
    # Each file is read in a child process (``index.reading``): one still being read after this many seconds, or
    # needing more address space than this many MiB (0: no limit), is stopped and reported, and the sync goes on.
    # Every document under /usr/share/doc reads in under 4 s here.
    read_timeout_s: float = Field(300.0, gt=0)
    read_memory_mb: int = Field(4096, ge=0)
    # Seconds a sync waits for another writer (the app, a CLI sync or rebuild) before giving up with a
    # message: long enough for a big first sync to finish, short enough that a stuck one is noticed.
    lock_timeout: float = Field(600.0, ge=0)
    collection: str = "citewise"
    # Empty: embedded PersistentClient under data_dir. Set: a Chroma server (`chroma run`).
    chroma_url: str = ""


def invalid_settings(error: ValidationError) -> str:
    """What is wrong with the settings, named as the user sets them.

    Example:
        >>> invalid_settings(error)  # CITEWISE_CHUNK_TOKENS=0 in the environment
        'invalid settings: CITEWISE_CHUNK_TOKENS=0: Input should be greater than or equal to 1'
    """
    problems = []
    for problem in error.errors():
        field = "_".join(str(part) for part in problem["loc"])
        if not field:  # a rule over several settings: its message names them
            problems.append(str(problem["msg"]).removeprefix("Value error, "))
            continue
        name = field.upper() if field.upper().startswith(("CITEWISE_", "GRADIO_")) else f"CITEWISE_{field.upper()}"
        problems.append(f"{name}={problem['input']}: {problem['msg']}")
    return "invalid settings: " + "; ".join(problems)
