"""Settings the index needs; the assistant's settings extend this section."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_EMBED_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


class IndexSettings(BaseSettings):
    """Where the index lives, which documents feed it and how they are chunked and embedded."""

    model_config = SettingsConfigDict(env_prefix="CITEWISE_", env_file=".env", extra="ignore")

    data_dir: Path = Path("data")
    docs_dir: Path = Path("seeds")
    embed_model: str = DEFAULT_EMBED_MODEL
    embed_batch_size: int = 64
    # Chunks embedded and written together: bigger is a little faster, smaller loses less to a crash.
    write_batch: int = 256
    # Chunks must fit the embedding model's window, which is read from the model;
    # this caps it further (tokens).
    chunk_tokens: int = 200
    chunk_overlap_sentences: int = 1
    # Larger files are reported and skipped: embedding 50 MB of text would take hours on a laptop CPU.
    max_file_mb: float = 20.0
    # Each file is read in a child process (``index.reading``): one still being read after this many seconds, or
    # needing more address space than this many MiB (0: no limit), is stopped and reported, and the sync goes on.
    # Every document under /usr/share/doc reads in under 4 s here.
    read_timeout_s: float = 300.0
    read_memory_mb: int = 4096
    # Seconds a sync waits for another writer (the app, a CLI sync or rebuild) before giving up with a
    # message: long enough for a big first sync to finish, short enough that a stuck one is noticed.
    lock_timeout: float = 600.0
    collection: str = "citewise"
    # Empty: embedded PersistentClient under data_dir. Set: a Chroma server (`chroma run`).
    chroma_url: str = ""
