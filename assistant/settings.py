"""The one settings object, read from ``CITEWISE_*`` environment variables and ``.env``: every default and choice."""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from assistant.rerank import PACKAGED_RERANKER
from index.settings import IndexSettings
from index.text import MAX_QUESTION_CHARS

DEFAULT_OLLAMA_URL = "http://127.0.0.1:11434"
OPENAI_URL = "https://api.openai.com/v1"

RetrievalMode = Literal["hybrid", "dense", "keyword"]
RETRIEVAL_MODES: tuple[RetrievalMode, ...] = get_args(RetrievalMode)
"""hybrid: BM25 and dense, fused; dense: embeddings only; keyword: BM25 only."""


class Settings(IndexSettings):
    """Everything configurable, flat under the ``CITEWISE_`` prefix (the index section is inherited)."""

    model_config = SettingsConfigDict(env_prefix="CITEWISE_", env_file=".env", extra="ignore", populate_by_name=True)

    # Serving
    host: str = "127.0.0.1"
    port: int = Field(7860, validation_alias=AliasChoices("CITEWISE_PORT", "GRADIO_SERVER_PORT", "port"))
    auth: str = ""  # "user:password" switches on Gradio's login
    # Bearer key of the HTTP API under /v1 (api/). Empty: the API is open, unless ``auth`` is set, which closes it.
    api_key: str = ""
    max_upload_mb: int = 50
    # Keep the index in step with the documents folder while the app serves: files added, edited or deleted there are
    # synced as the folder's events (and a listing every 30 s) tell of them (index/watch.py). Off: the start-up sync,
    # uploads, deletes and Re-index keep it.
    watch: bool = False
    # With ``watch``: seconds between listings of the folder for changes no file event told of (0: events only).
    watch_rescan_s: float = Field(30.0, ge=0, allow_inf_nan=False)

    # Retrieval
    retrieval: RetrievalMode = "hybrid"
    candidates: int = 10  # taken from each retriever before fusion
    top_k: int = 5  # passages kept at most after the relevance cut-off
    reranker: str = PACKAGED_RERANKER  # "none" switches reranking off
    min_rerank_score: float = -1.0  # cross-encoder logit a passage needs to count as relevant
    rerank_margin: float = 5.0  # ... and it must be within this much of the best passage
    # The reranked passages are ordered by their cross-encoder logit minus this weight times the log of their rank
    # before reranking (BM25 and dense, fused): where the cross-encoder scores two passages alike, the one fusion
    # ranked higher comes first. 0 orders by the cross-encoder alone. Chosen on the tuning halves of the
    # question sets (README, "Reranking with the retrievers' order").
    rerank_fusion_weight: float = Field(0.5, ge=0.0)
    min_similarity: float = 0.45  # cosine a passage needs when reranking is off

    # Answering
    # Longer questions get a clear refusal, not a slow or failed answer. At most MAX_QUESTION_CHARS (20,000): a saved
    # chat stores no longer question, and question analysis reads no further.
    max_question_chars: int = Field(2000, ge=1, le=MAX_QUESTION_CHARS)
    llm: Literal["extractive", "ollama", "openai"] = "extractive"
    answer_sentences: int = 3
    # The extractive answer's bar: the answer model's log-odds that its best sentence answers (from the
    # cross-encoder's scores; assistant/extractive.py, AnswerModel) must reach min_answer_score, else it
    # refuses. Chosen by right - 2 x wrong on the tuning halves of the three sets written after every rule
    # (jargon, postfix, zsh: bench/results/answer_model_fresh.md); lower answers more and errs more.
    min_answer_score: float = -0.75
    # An answer whose best sentence passes min_answer_score but not sure_answer_score is shown as tentative: with a
    # warning that it may be about the subject without saying what was asked. Measured on the tuning halves of the
    # three question sets: most wrong answers fall under it, few right ones (README, "Tentative answers").
    sure_answer_score: float = -0.5
    # A follow-up that points back ("who led them?") lacks its subject, so it is held to a bar of its own: its
    # best sentence judged against the question as asked only, which tests the asked predicate (led, born,
    # cost), must reach this log-odds. Chosen on the tuning conversations of bench/data/followups_qa.jsonl.
    min_follow_up_score: float = -3.7
    # An LLM backend is offered only when configured: its URL (or, for OpenAI itself, a key) is set,
    # or it is the chosen answerer. Nothing is sent anywhere otherwise.
    ollama_url: str = ""  # empty: http://127.0.0.1:11434 when CITEWISE_LLM=ollama
    ollama_model: str = "llama3.2"
    openai_base_url: str = ""  # empty: https://api.openai.com/v1 only when an API key is set
    openai_api_key: str = ""
    openai_model: str = "gpt-4o-mini"
    temperature: float = 0.0
    request_timeout: float = 120.0
    # An LLM answer's length at most, asked of the server (OpenAI's max_tokens, Ollama's num_predict) and enforced here
    # too: a local model caught in a loop writes until stopped (Ollama's own default is no limit).
    llm_max_tokens: int = Field(1024, ge=1)
    llm_context_window: int = 8192
    history_tokens: int = 1500

    def llm_endpoints(self) -> dict[str, str]:
        """The LLM backends this configuration switches on, with the URL each one talks to.

        Raises:
            ValueError: ``llm`` names a backend that has nowhere to send questions.
        """
        endpoints = {}
        if self.ollama_url or self.llm == "ollama":
            endpoints["ollama"] = self.ollama_url or DEFAULT_OLLAMA_URL
        if self.openai_base_url or self.openai_api_key:
            endpoints["openai"] = self.openai_base_url or OPENAI_URL
        elif self.llm == "openai":
            raise ValueError(
                "CITEWISE_LLM=openai needs CITEWISE_OPENAI_BASE_URL (a local server: vLLM, llama.cpp, LM Studio) "
                "or CITEWISE_OPENAI_API_KEY (OpenAI itself, which receives your questions and the passages found)"
            )
        return endpoints


# Each setting's default as an unconfigured Settings has it: the classes that take a setting as a constructor
# argument (SearchOptions, ExtractiveAnswerer) default to these, so every default is written once, above.
DEFAULTS: dict[str, Any] = {name: info.default for name, info in Settings.model_fields.items()}
