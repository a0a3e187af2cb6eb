"""Saved chats through the façade and the chat tab's handlers: a real index of the seeds, a real chats file on tmp_path.

``citewise`` (conftest.py) is a fully wired Citewise over a private, writable copy of the seeds index;
the chat tab's handlers are taken from the real interface (``create_app``) and called as Gradio calls them.
"""

from __future__ import annotations

import gc
import json
import os
import re
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr
import pytest
from fastapi.testclient import TestClient
from seed_facts import KYRGYZSTAN_SOURCE, WHO_QUESTION, WHO_SOURCE

from api import Access, create_api
from assistant import Answer, ChatStoreError, Citewise, Turn
from assistant.chats import SCHEMA_VERSION, default_title
from ui import create_app
from ui.chats import PANEL_OUTPUTS, Exports
from ui.render import render_answer, render_sources

WHO_SOURCE_IN_MARKDOWN = WHO_SOURCE.replace("_", "\\_")  # escaped: a literal name, never emphasis
WHO_SENTENCE = "In addition, the country has donated 20 million dollars to the WHO"
FOLLOW_UP = "How many specialists were in the Chinese medical group sent to Kyrgyzstan?"
ITALY_QUESTION = "How many experts did China send to Italy?"  # the seeds name the experts, not their number
GARBAGE = bytes(range(256)) * 32


def ask(citewise: Citewise, question: str, history: list[Turn] | None = None) -> Answer:
    return citewise.ask(question, history or []).complete()


def who_citation(answer: Answer) -> int:
    """The number of the citation quoting the WHO donation."""
    (n,) = [c.n for c in answer.citations if c.source == WHO_SOURCE and "20 million dollars" in c.quote]
    return n


def as_json(value: Any) -> Any:
    """``value`` as it reads back from JSON (tuples become lists)."""
    return json.loads(json.dumps(value))


# --------------------------------------------------------------------------- the façade


def test_an_answer_is_saved_and_reopened_exactly_as_given(citewise: Citewise) -> None:
    first = ask(citewise, WHO_QUESTION)
    chat_id = citewise.record("", None, first)
    second = ask(citewise, FOLLOW_UP, [Turn("user", WHO_QUESTION), Turn("assistant", first.text)])
    assert citewise.record("", chat_id, second) == chat_id

    reopened = citewise.open_chat("", chat_id)

    assert reopened is not None and reopened.id == chat_id and reopened.title == WHO_QUESTION
    assert [saved.answer.to_json() for saved in reopened.answers] == as_json([first.to_json(), second.to_json()])
    assert WHO_SENTENCE in first.text and first.citations  # a real, cited answer was saved
    for saved, live in zip(reopened.answers, [first, second], strict=True):
        assert saved.states == dict.fromkeys((c.n for c in live.citations), "current")
        # Shown exactly as when it was given: the same chat Markdown and the same source cards.
        assert render_answer(saved.answer) == render_answer(live)
        assert render_sources(saved.answer, saved.states) == render_sources(live)
    assert [(c.id, c.title, c.turns) for c in citewise.chats("")] == [(chat_id, WHO_QUESTION, 2)]


def test_a_refusal_and_a_message_of_several_questions_reopen_with_the_passages_they_offered(citewise: Citewise) -> None:
    # The seeds say experts went to Italy, not how many: a refusal offering the closest passages; asked beside a question
    # they answer, one answer with sources and, after them, the refused question's closest passages.
    hello = ask(citewise, "Hi!")  # a reply that searched nothing: it names no chat, and reopens as it was shown
    refused = ask(citewise, ITALY_QUESTION)
    mixed = ask(citewise, f"{WHO_QUESTION} {ITALY_QUESTION}")
    assert refused.refused and refused.closest and not mixed.refused and mixed.citations and mixed.closest
    chat_id = citewise.record("", None, hello)
    citewise.record("", chat_id, refused)
    citewise.record("", chat_id, mixed)

    reopened = citewise.open_chat("", chat_id)

    assert reopened is not None and reopened.title == ITALY_QUESTION
    for saved, live in zip(reopened.answers, [hello, refused, mixed], strict=True):
        assert saved.answer.to_json() == as_json(live.to_json()) and bool(saved.answer.closest) is (live is not hello)
        assert render_answer(saved.answer) == render_answer(live)
        assert render_sources(saved.answer, saved.states) == render_sources(live)
    assert "nothing was searched" in render_sources(reopened.answers[0].answer)
    exported = citewise.export_chat("", chat_id)
    assert exported is not None and exported.count("### Closest passages") == 2
    assert refused.closest[0].text.split()[0] in exported


def test_a_citation_whose_document_was_edited_keeps_its_quote_and_is_marked_changed(citewise: Citewise) -> None:
    answer = ask(citewise, WHO_QUESTION)
    chat_id = citewise.record("", None, answer)
    n = who_citation(answer)
    document = citewise.settings.docs_dir / WHO_SOURCE
    document.write_text(
        document.read_text(encoding="utf-8").replace("20 million dollars", "25 million dollars"), encoding="utf-8"
    )

    edited = citewise.open_chat("", chat_id)  # edited on disk, not yet re-indexed
    citewise.sync()
    synced = citewise.open_chat("", chat_id)

    for reopened in (edited, synced):
        assert reopened is not None
        saved = reopened.answers[0]
        assert saved.states[n] == "changed"
        assert all(state == "current" for number, state in saved.states.items() if number != n)
        assert saved.answer.citations[n - 1].quote == answer.citations[n - 1].quote  # what was quoted, as it was
        card = render_sources(saved.answer, saved.states).split("<details class='cw-source")[n]
        assert "⚠ changed since" in card and "20 million dollars" in card and "25 million" not in card
        # The saved offsets belong to the old text: the link opens the document as it is now, unmarked.
        assert f"href='documents/{WHO_SOURCE}'" in card and "mark=" not in card
    markdown = citewise.export_chat("", chat_id) or ""
    assert f"**[{n}]** " in markdown and "*changed since*" in markdown.split(f"**[{n}]** ")[1].split("\n")[0]


@pytest.mark.parametrize("how", ["deleted in the app", "removed from the folder and synced"])
def test_a_citation_whose_document_was_deleted_keeps_its_quote_and_is_marked(citewise: Citewise, how: str) -> None:
    answer = ask(citewise, WHO_QUESTION)
    chat_id = citewise.record("", None, answer)
    n = who_citation(answer)
    if how == "deleted in the app":
        citewise.delete_document(WHO_SOURCE)
    else:
        (citewise.settings.docs_dir / WHO_SOURCE).unlink()
        assert citewise.sync().deleted == [WHO_SOURCE]

    reopened = citewise.open_chat("", chat_id)

    assert reopened is not None
    saved = reopened.answers[0]
    assert saved.states[n] == "deleted"
    card = render_sources(saved.answer, saved.states).split("<details class='cw-source")[n]
    assert "⚠ document deleted since" in card and "20 million dollars" in card
    assert "cw-open" not in card  # nothing to open any more
    markdown = citewise.export_chat("", chat_id) or ""
    assert "*document deleted since*" in markdown.split(f"**[{n}]** ")[1].split("\n")[0]
    assert WHO_SENTENCE in markdown


def test_each_owner_sees_only_their_own_chats(citewise: Citewise) -> None:
    answer = ask(citewise, WHO_QUESTION)
    alice = citewise.record("alice", None, answer)
    before = citewise.open_chat("alice", alice)

    assert citewise.chats("bob") == [] and citewise.chats("") == []
    assert citewise.open_chat("bob", alice) is None
    assert citewise.export_chat("bob", alice) is None
    assert citewise.rename_chat("bob", alice, "mine now") is False
    assert citewise.delete_chat("bob", alice) is False
    # An answer sent to someone else's chat starts the sender's own chat instead.
    bobs = citewise.record("bob", alice, answer)
    assert bobs != alice and [c.id for c in citewise.chats("bob")] == [bobs]

    assert citewise.open_chat("alice", alice) == before
    assert [(c.id, c.turns) for c in citewise.chats("alice")] == [(alice, 1)]


def test_rename_delete_and_export(citewise: Citewise) -> None:
    answer = ask(citewise, WHO_QUESTION)
    chat_id = citewise.record("", None, answer)

    assert citewise.rename_chat("", chat_id, "WHO donations") is True
    markdown = citewise.export_chat("", chat_id)

    assert markdown is not None
    assert markdown.startswith("# WHO donations\n\n## Question 1\n\nHow much has China donated to the WHO?\n\n### Answer\n")
    assert "20 million dollars to the WHO" in markdown and "[1]" in markdown
    assert f"**[1]** China shares experience, resources in global novel coronavirus battle · {WHO_SOURCE_IN_MARKDOWN}" in markdown
    quoted = answer.citations[0].quote
    assert f"> {quoted[:40]}" in markdown
    assert "changed since" not in markdown and "deleted since" not in markdown
    with pytest.raises(ValueError, match="title"):
        citewise.rename_chat("", chat_id, "   ")
    assert citewise.delete_chat("", chat_id) is True
    assert citewise.chats("") == [] and citewise.open_chat("", chat_id) is None and citewise.export_chat("", chat_id) is None


def test_a_corrupt_chats_file_is_set_aside_and_saving_goes_on(citewise: Citewise) -> None:
    path = citewise.settings.data_dir / "chats.sqlite"
    path.write_bytes(GARBAGE)
    chunks = citewise.indexer.store.count()

    chat_id = citewise.record("", None, ask(citewise, WHO_QUESTION))

    assert [c.id for c in citewise.chats("")] == [chat_id]
    (aside,) = path.parent.glob("chats.sqlite.damaged-*")
    assert aside.read_bytes() == GARBAGE  # kept as found
    notice = citewise.chats_recovered()
    assert str(aside) in notice and "set aside" in notice and citewise.chats_recovered() == ""  # said once
    assert citewise.indexer.store.count() == chunks


def test_a_saved_answer_of_the_wrong_shape_is_reported_as_damaged(citewise: Citewise) -> None:
    chat_id = citewise.chat_store.start("")
    citewise.chat_store.add_turn("", chat_id, "q", {"answer": "a [1]", "citations": [{"n": 1, "source": "x.txt"}]})

    with pytest.raises(ChatStoreError, match="its answer 1 is damaged") as caught:
        citewise.open_chat("", chat_id)

    assert caught.value.reason == "corrupt" and [c.turns for c in citewise.chats("")] == [1]


# --------------------------------------------------------------------------- the chat tab's handlers


Handlers = dict[str, Callable[..., Any]]


@pytest.fixture
def handlers(citewise: Citewise) -> Handlers:
    """The chat tab's event handlers by name, as the real interface wires them."""
    demo = create_app(citewise)
    return {fn.name: fn.fn for fn in demo.fns.values() if fn.fn is not None}


def request(user: str | None = None) -> gr.Request:
    """What Gradio passes a handler: the signed-in user's name, or None without a login."""
    return gr.Request(username=user)


@dataclass
class Asked:
    """One question asked as the chat tab asks it."""

    streamed: list[tuple[Any, ...]]  # (textbox, messages, sources, searched, ...) as the answer streams; the last is complete
    saving: tuple[Any, ...]  # the handler's last update: (..., the chat's id, each answer's cards, the save's problem)
    after: tuple[Any, ...]  # the step after it: the id kept in the browser, then the Chats panel

    @property
    def shown(self) -> tuple[Any, ...]:
        """The complete answer's update: (textbox, messages, sources, searched)."""
        return self.streamed[-1][:4]

    @property
    def chat_id(self) -> str | None:
        chat: str | None = self.saving[4]
        return chat


def ask_in(
    handlers: Handlers, question: str, history: list[Any], chat_id: str | None, user: str | None = None, cards: Any = None
) -> Asked:
    """Ask ``question`` in chat ``chat_id`` (None: a new chat) as the chat tab does, then run the step that follows."""
    updates: Iterator[tuple[Any, ...]] = handlers["respond"](question, history, None, chat_id, cards or {}, request(user))
    *streamed, saving = updates
    return Asked(streamed, saving, handlers["saved"](saving[4], saving[6], request(user)))


def saved_in(handlers: Handlers, question: str, chat_id: str | None, user: str | None = None) -> str | None:
    """Ask ``question`` in chat ``chat_id`` (None: a new chat); the chat it was saved in."""
    return ask_in(handlers, question, [], chat_id, user).chat_id


def radio_choices(update: Any) -> list[tuple[str, str]]:
    return [tuple(choice) for choice in update.choices]


def panel(values: tuple[Any, ...]) -> dict[str, Any]:
    """A handler's Chats panel outputs by name (the list, title, rename, delete, export, status, confirm_box)."""
    return dict(zip(PANEL_OUTPUTS, values, strict=True))


def chat_view(values: tuple[Any, ...]) -> tuple[Any, ...]:
    """What a handler shows in the chat column: (messages, sources, searched, chat id, cards), checking that the
    browser keeps the same id; the Chats panel follows."""
    assert values[5] == values[3], "the browser keeps the session's chat id"
    return values[:5]


EMPTY = ([], render_sources(None), "", None, {})


def test_an_answer_is_saved_when_complete_and_a_reload_shows_it_again(handlers: Handlers, citewise: Citewise) -> None:
    asked = ask_in(handlers, WHO_QUESTION, [], None)

    _, messages, sources, searched = asked.shown
    skip = gr.skip()
    assert all(update[4:] == (skip, skip, "") for update in asked.streamed)  # the chat changes once the answer is saved
    assert asked.saving[:4] == asked.shown  # the last update shows the answer again: an API client reads only that one
    assert asked.saving[5:] == ({1: sources}, "")  # a click on the answer shows its sources
    chat_id = asked.chat_id
    assert isinstance(chat_id, str) and [c.id for c in citewise.chats("")] == [chat_id]
    assert asked.after[0] == chat_id  # kept in the browser for a reload
    shown_panel = panel(asked.after[1:])
    chats, title = shown_panel["chats"], shown_panel["title"]
    assert radio_choices(chats) == [(WHO_QUESTION, chat_id)] and chats.value == chat_id
    assert title.value == WHO_QUESTION and title.interactive and shown_panel["status"] == ""
    assert shown_panel["rename"].interactive and shown_panel["delete"].interactive
    exported = Path(shown_panel["export"].value["path"])
    assert exported.name == "How-much-has-China-donated-to-the-WHO.md"
    assert exported.read_text(encoding="utf-8") == citewise.export_chat("", chat_id)

    reloaded = handlers["restore"](chat_id, request())

    assert chat_view(reloaded) == (messages, sources, searched, chat_id, {1: sources})  # the chat and its sources, as shown
    assert WHO_SOURCE in reloaded[1] and "20 million dollars" in reloaded[1]
    assert radio_choices(panel(reloaded[6:])["chats"]) == [(WHO_QUESTION, chat_id)]


def test_new_chat_reopen_rename_and_delete(handlers: Handlers, citewise: Citewise) -> None:
    first = saved_in(handlers, WHO_QUESTION, None)
    new = handlers["new"](request())
    assert chat_view(new) == EMPTY
    assert panel(new[6:])["chats"].value is None and panel(new[6:])["export"].interactive is False
    assert panel(new[6:])["delete"].interactive is False  # nothing saved yet: nothing to rename, delete or export
    second = saved_in(handlers, FOLLOW_UP, None)
    assert second != first
    assert [c.id for c in citewise.chats("")] == [second, first]

    reopened = handlers["open_chosen"](first, request())
    assert chat_view(reopened)[3] == first and "20 million dollars" in reopened[0][1]["content"]
    assert panel(reopened[6:])["chats"].value == first

    renamed = panel(handlers["rename"](first, "  WHO\nmoney ", request()))
    assert renamed["chats"].value == first and renamed["title"].value == "WHO money"
    assert renamed["status"] == "" and Path(renamed["export"].value["path"]).name == "WHO-money.md"
    blank = handlers["rename"](first, " ", request())
    assert "title needs 1 to 200 characters" in panel(blank)["status"]

    box, question = handlers["ask_delete"]("WHO money")
    assert box.visible is True and "WHO money" in question and "cannot be undone" in question
    deleted = handlers["delete"](first, request())
    assert chat_view(deleted) == EMPTY
    assert radio_choices(panel(deleted[6:])["chats"]) == [(default_title(FOLLOW_UP), second)]
    assert panel(deleted[6:])["confirm_box"].visible is False
    assert chat_view(handlers["restore"](first, request())) == EMPTY


def test_a_click_on_any_answer_shows_its_own_sources_live_or_reopened(handlers: Handlers) -> None:
    first = ask_in(handlers, WHO_QUESTION, [], None)
    second = ask_in(handlers, FOLLOW_UP, first.shown[1], first.chat_id, cards=first.saving[5])
    live = second.saving[5]
    assert second.chat_id == first.chat_id and live == {1: first.shown[2], 3: second.shown[2]}
    assert first.shown[2] != second.shown[2]

    reopened = handlers["open_chosen"](first.chat_id, request())

    assert reopened[4] == live and reopened[1] == second.shown[2]  # the same cards, the last answer's shown
    for index, shown in [(1, first.shown[2]), (0, first.shown[2]), (3, second.shown[2]), (2, second.shown[2])]:
        assert handlers["show_sources"](live, gr.SelectData(None, {"index": index, "value": ""})) == shown
    assert handlers["show_sources"](live, gr.SelectData(None, {"index": 9, "value": ""})) == gr.skip()


def test_a_user_never_sees_or_writes_another_users_chat(handlers: Handlers, citewise: Citewise) -> None:
    alice = saved_in(handlers, WHO_QUESTION, None, user="alice")

    assert radio_choices(panel(handlers["restore"](None, request("bob"))[6:])["chats"]) == []
    assert chat_view(handlers["restore"](alice, request("bob"))) == EMPTY
    assert chat_view(handlers["open_chosen"](alice, request("bob"))) == EMPTY
    handlers["rename"](alice, "bob was here", request("bob"))
    handlers["delete"](alice, request("bob"))
    bobs = saved_in(handlers, FOLLOW_UP, alice, user="bob")  # bob's session holding alice's id

    assert bobs != alice and [c.id for c in citewise.chats("bob")] == [bobs]
    assert [(c.id, c.title, c.turns) for c in citewise.chats("alice")] == [(alice, WHO_QUESTION, 1)]
    assert citewise.chats("") == []


def newer_chats_file(path: Path) -> bytes:
    """A chats file of a schema this Citewise cannot read (a newer one's): reported and left as it is."""
    with closing(sqlite3.connect(path)) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    return path.read_bytes()


def test_with_a_chats_file_it_cannot_use_the_chat_still_answers_and_says_why_nothing_is_saved(
    handlers: Handlers, citewise: Citewise, caplog: pytest.LogCaptureFixture
) -> None:
    path = citewise.settings.data_dir / "chats.sqlite"
    before = newer_chats_file(path)
    chunks = citewise.indexer.store.count()

    with pytest.warns(UserWarning, match="Saved chats are unavailable"):
        loaded = handlers["restore"]("some-chat", request())
    with pytest.warns(UserWarning, match="This answer is shown but was not saved"):
        first = ask_in(handlers, WHO_QUESTION, [], None)
    with pytest.warns(UserWarning, match="not saved"):
        again = ask_in(handlers, FOLLOW_UP, first.shown[1], None)

    status = panel(loaded[6:])["status"]
    assert "Saved chats are unavailable" in status and str(path) in status.replace("\\", "")
    _, messages, sources, _ = first.shown
    assert "20 million dollars" in messages[-1]["content"] and WHO_SOURCE in sources  # the answer is shown
    status = panel(first.after[1:])["status"]
    assert status == first.saving[6] and "This answer is shown but was not saved" in status and "newer Citewise" in status
    assert first.chat_id is None and first.after[0] is None  # no chat to keep
    messages = again.shown[1]
    assert len(messages) == 4 and "specialists" in messages[-1]["content"].lower()  # and the chat keeps answering
    assert "not saved" in caplog.text
    assert path.read_bytes() == before and citewise.indexer.store.count() == chunks

    path.unlink()  # moved aside, as the message says: saving works again at once
    assert isinstance(saved_in(handlers, WHO_QUESTION, None), str)


def test_a_corrupt_chats_file_is_set_aside_the_panel_says_so_once_and_the_answer_is_saved(
    handlers: Handlers, citewise: Citewise
) -> None:
    path = citewise.settings.data_dir / "chats.sqlite"
    path.write_bytes(GARBAGE)

    with pytest.warns(UserWarning, match="found damaged"):
        loaded = handlers["restore"]("some-chat", request())
    first = ask_in(handlers, WHO_QUESTION, [], None)

    (aside,) = path.parent.glob("chats.sqlite.damaged-*")
    status = panel(loaded[6:])["status"]
    assert "found damaged" in status and aside.name in status.replace("\\", "")
    assert isinstance(first.chat_id, str) and panel(first.after[1:])["status"] == ""  # said once; saved
    assert [c.id for c in citewise.chats("")] == [first.chat_id] and aside.read_bytes() == GARBAGE


def test_gradios_api_keeps_its_chat_endpoint_and_gains_no_chat_management(citewise: Citewise) -> None:
    endpoints = create_app(citewise).get_api_info()["named_endpoints"]

    respond = endpoints["/respond"]
    assert [p["parameter_name"] for p in respond["parameters"]] == ["message", "history"]
    assert len(respond["returns"]) == 4  # textbox, chat, sources, searched: the saved answer stays in the session
    handlers = {"saved", "show_sources", "restore", "open_chosen", "new", "rename", "ask_delete", "delete"}
    named = {re.sub(r"_\d+$", "", name.strip("/")) for name in endpoints}  # a second "/rename" is "/rename_1"
    assert named & handlers == set()


# --------------------------------------------------------------------------- the HTTP API's saved chats


@pytest.fixture
def api(citewise: Citewise) -> Iterator[TestClient]:
    """The HTTP API over ``citewise``, open (no key), in this process."""
    with TestClient(create_api(citewise, Access())) as client:
        yield client


def test_a_chat_over_the_api_is_asked_in_read_back_renamed_exported_and_deleted(api: TestClient, citewise: Citewise) -> None:
    started = api.post("/v1/chats", json={})
    assert started.status_code == 201 and (started.json()["title"], started.json()["answers"]) == ("", 0)
    chat_id = started.json()["id"]

    first = api.post(f"/v1/chats/{chat_id}/messages", json={"content": FOLLOW_UP})
    # A follow-up is read with the chat's earlier answers, as the chat window reads it.
    follow_up = api.post(f"/v1/chats/{chat_id}/messages", json={"content": "How many employees did they train?"})

    assert first.status_code == 200 and (first.json()["chat_id"], first.json()["saved"]) == (chat_id, True)
    assert follow_up.json()["saved"] and "15,000" in follow_up.json()["answer"]
    assert {c["source"] for c in follow_up.json()["citations"]} == {KYRGYZSTAN_SOURCE} and "Kyrgyzstan" in follow_up.json()[
        "query"
    ]
    listed = api.get("/v1/chats").json()["data"]
    assert [(c["id"], c["title"], c["answers"]) for c in listed] == [(chat_id, default_title(FOLLOW_UP), 2)]
    assert [c.id for c in citewise.chats("")] == [chat_id]  # the chat window's own list: one store
    read = api.get(f"/v1/chats/{chat_id}").json()
    assert [a["question"] for a in read["answers"]] == [FOLLOW_UP, "How many employees did they train?"]
    assert read["answers"][1]["answer"] == follow_up.json()["answer"]
    assert {c["state"] for a in read["answers"] for c in a["citations"]} == {"current"}

    renamed = api.patch(f"/v1/chats/{chat_id}", json={"title": "Kyrgyzstan"})
    exported = api.get(f"/v1/chats/{chat_id}/export")
    assert renamed.status_code == 200 and renamed.json()["title"] == "Kyrgyzstan"
    assert exported.headers["content-type"].startswith("text/markdown") and exported.text.startswith("# Kyrgyzstan\n")
    assert "15,000" in exported.text
    assert api.delete(f"/v1/chats/{chat_id}").json() == {"id": chat_id, "deleted": True}
    gone = [api.get(f"/v1/chats/{chat_id}"), api.delete(f"/v1/chats/{chat_id}"), api.get(f"/v1/chats/{chat_id}/export")]
    gone += [
        api.post(f"/v1/chats/{chat_id}/messages", json={"content": WHO_QUESTION}),
        api.patch(f"/v1/chats/{chat_id}", json={"title": "x"}),
    ]
    assert {(r.status_code, r.json()["error"]["code"]) for r in gone} == {(404, "chat_not_found")}


def test_each_user_sees_only_their_own_chats_over_the_api(api: TestClient) -> None:
    alice = {"X-Citewise-User": "alice"}
    chat_id = api.post("/v1/chats", json={"title": "Alice's"}, headers=alice).json()["id"]

    assert [c["id"] for c in api.get("/v1/chats", headers=alice).json()["data"]] == [chat_id]
    for headers in ({"X-Citewise-User": "bob"}, {}):
        assert api.get("/v1/chats", headers=headers).json()["data"] == []
        assert api.get(f"/v1/chats/{chat_id}", headers=headers).status_code == 404  # exactly as no chat
        assert api.delete(f"/v1/chats/{chat_id}", headers=headers).status_code == 404
    assert api.get(f"/v1/chats/{chat_id}", headers=alice).json()["title"] == "Alice's"


def test_the_chats_api_refuses_bad_input_and_says_why(api: TestClient) -> None:
    chat_id = api.post("/v1/chats", json={}).json()["id"]
    cases = {
        "a blank title": api.patch(f"/v1/chats/{chat_id}", json={"title": "  "}),
        "an over-long title": api.post("/v1/chats", json={"title": "x" * 201}),
        "an empty question": api.post(f"/v1/chats/{chat_id}/messages", json={"content": " "}),
        "an unknown answerer": api.post(f"/v1/chats/{chat_id}/messages", json={"content": WHO_QUESTION, "model": "gpt-9"}),
        "no question": api.post(f"/v1/chats/{chat_id}/messages", json={}),
        "an over-long user name": api.get("/v1/chats", headers={"X-Citewise-User": "x" * 201}),
        "a user name with a control character": api.get("/v1/chats", headers={"X-Citewise-User": "a\x7fb"}),
    }
    statuses = {case: response.status_code for case, response in cases.items()}
    assert statuses == {
        "a blank title": 400,
        "an over-long title": 400,
        "an empty question": 400,
        "an unknown answerer": 404,
        "no question": 400,
        "an over-long user name": 400,
        "a user name with a control character": 400,
    }
    assert cases["an over-long user name"].json()["error"]["param"] == "X-Citewise-User"
    assert all(response.json()["error"]["message"] for response in cases.values())
    assert api.get("/v1/chats").json()["data"][0]["answers"] == 0  # nothing was saved


def test_with_a_chats_file_it_cannot_use_the_api_says_so_and_still_answers(api: TestClient, citewise: Citewise) -> None:
    chat_id = api.post("/v1/chats", json={}).json()["id"]
    path = citewise.settings.data_dir / "chats.sqlite"
    before = newer_chats_file(path)

    listed = api.get("/v1/chats")

    assert (listed.status_code, listed.json()["error"]["code"]) == (503, "chats_unavailable")
    assert "newer Citewise" in listed.json()["error"]["message"]
    assert api.post(f"/v1/chats/{chat_id}/messages", json={"content": WHO_QUESTION}).status_code == 503
    assert path.read_bytes() == before


def test_an_answer_the_full_chats_file_cannot_keep_is_still_given_over_the_api(api: TestClient, citewise: Citewise) -> None:
    chat_id = api.post("/v1/chats", json={}).json()["id"]
    store = citewise.chat_store
    store.add_turn("", store.start(""), "Filler?", {"answer": "x" * 3_800})  # the answers' one page, nearly full
    store.max_bytes = store.path.stat().st_size  # and no room for another page: SQLite's SQLITE_FULL, as a full disk

    reply = api.post(f"/v1/chats/{chat_id}/messages", json={"content": WHO_QUESTION}).json()

    assert "20 million dollars" in reply["answer"] and {c["source"] for c in reply["citations"]} == {WHO_SOURCE}
    assert reply["saved"] is False and "full" in reply["save_error"]
    assert api.get(f"/v1/chats/{chat_id}").json()["answers"] == []


def test_an_answer_asked_in_a_chat_streams_then_comes_whole_and_saved(api: TestClient) -> None:
    chat_id = api.post("/v1/chats", json={}).json()["id"]

    with api.stream("POST", f"/v1/chats/{chat_id}/messages", json={"content": WHO_QUESTION, "stream": True}) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        events = [line.removeprefix("data: ") for line in response.iter_lines() if line.startswith("data: ")]

    assert events[-1] == "[DONE]"
    *deltas, last = [json.loads(event) for event in events[:-1]]
    assert len(deltas) > 1 and "".join(d["delta"] for d in deltas) == last["answer"]
    assert last["saved"] and last["chat_id"] == chat_id and "20 million dollars" in last["answer"]
    assert {c["source"] for c in last["citations"]} == {WHO_SOURCE}
    assert [a["answer"] for a in api.get(f"/v1/chats/{chat_id}").json()["answers"]] == [last["answer"]]


def test_a_stream_whose_answering_fails_ends_with_one_error_event_and_keeps_nothing(
    api: TestClient, citewise: Citewise, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(question: str, *args: Any, **kwargs: Any) -> Answer:
        def pieces() -> Iterator[str]:
            yield "China "
            raise OSError("the disk went away")  # after the status line and a first piece were sent

        return Answer(
            question=question, query=question, refused=False, backend="extractive", citations=[], retrieval=None, pieces=pieces()
        )

    monkeypatch.setattr(citewise, "ask", failing)
    chat_id = api.post("/v1/chats", json={}).json()["id"]
    asked = {
        "chat": (f"/v1/chats/{chat_id}/messages", {"content": WHO_QUESTION}),
        "completion": ("/v1/chat/completions", {"model": "citewise", "messages": [{"role": "user", "content": WHO_QUESTION}]}),
    }
    for route, (path, body) in asked.items():
        with api.stream("POST", path, json={**body, "stream": True}) as response:
            events = [line.removeprefix("data: ") for line in response.iter_lines() if line.startswith("data: ")]
        assert response.status_code == 200 and events[-1] == "[DONE]", route
        failures = [json.loads(event)["error"] for event in events[:-1] if "error" in json.loads(event)]
        # One error event, in the body every other error of the API has, and the last before [DONE].
        assert failures == [
            {"message": "Answering failed: OSError: the disk went away", "type": "server_error", "param": None, "code": None}
        ], route
        assert json.loads(events[-2]) == {"error": failures[0]}
    assert api.get(f"/v1/chats/{chat_id}").json()["answers"] == []  # nothing saved


def test_export_folders_go_with_their_process_and_a_dead_ones_with_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where Exports makes its folder, for this test
    folders = lambda: sorted(p.name for p in tmp_path.glob("citewise-exports-*"))  # noqa: E731
    child = os.fork()
    if child == 0:  # a process that exports, then ends without removing its folder (as one killed would)
        held = Exports()
        held.write("", "c0", "Gone", "# Gone\n")
        os._exit(0)
    assert os.waitpid(child, 0)[1] == 0 and len(folders()) == 1
    gone = folders()[0]
    (tmp_path / "citewise-exports-older").mkdir()  # no lock file: an older Citewise's, or one just being made

    live = Exports()
    exported = live.write("", "c1", "Live", "# Live\n")
    other = Exports()
    other.write("", "c2", "Other", "# Other\n")  # another live one's folder is kept

    assert gone not in folders() and "citewise-exports-older" in folders() and exported.read_text() == "# Live\n"
    assert len(folders()) == 3
    del live
    gc.collect()
    assert not exported.exists() and len(folders()) == 2  # its own folder goes with it
