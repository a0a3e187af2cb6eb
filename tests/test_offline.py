"""No hidden OpenAI fallback, no hub access, prompts filled strictly."""

from __future__ import annotations

from pathlib import Path

import pytest
from seed_facts import WHO_QUESTION

from assistant.prompts import PromptError, render


def test_answers_with_no_api_key_and_no_global_llama_index_settings(settings, embedder, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    from llama_index.core import Settings as LlamaSettings

    from assistant import build_citewise

    built = build_citewise(settings, embedder=embedder)
    built.indexer.sync(settings.docs_dir)
    answer = built.assistant.ask(WHO_QUESTION).complete()
    assert "20 million" in answer.text
    # We never configured llama-index's global models, so nothing could have reached for OpenAI.
    assert LlamaSettings._llm is None and LlamaSettings._embed_model is None


def test_prompt_placeholders_are_strict(tmp_path: Path) -> None:
    (tmp_path / "greet.txt").write_text("Hello {name}, see {sources}.", encoding="utf-8")
    assert render("greet", tmp_path, name="Ada", sources="{x}") == "Hello Ada, see {x}."
    with pytest.raises(PromptError, match="missing"):
        render("greet", tmp_path, name="Ada")
    with pytest.raises(PromptError, match="unknown"):
        render("greet", tmp_path, name="Ada", sources="s", extra="e")


def test_refusal_prompt_is_a_fixed_message() -> None:
    assert render("refusal").startswith("Not found in your documents")
    assert render("refusal_near").startswith("Not found in your documents")
    assert render("refusal_words").startswith("Not found in your documents")
    assert render("refusal_nothing_more").startswith("Nothing to read on from")
    assert [render(f"small_talk_{kind}").split()[0] for kind in ("greeting", "thanks", "farewell")] == [
        "Hello.",
        "Glad",
        "Goodbye.",
    ]
