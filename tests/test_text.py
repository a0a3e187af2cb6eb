"""The shared text rules: tokens, content words, numbers, dates, money, names, markers and stems, on any text."""

from __future__ import annotations

import doctest
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import index.text
from index.text import (
    DATE,
    DIGITS,
    LATIN_WORD,
    MARKER,
    MONEY,
    NUMBER,
    PIECE,
    SPACED_RUN,
    TERM,
    TRAILING,
    UNSPACED,
    WORD,
    YEAR,
    american,
    asked_part,
    asks,
    claim_names,
    content_words,
    direct_question,
    edit_distance,
    folded,
    is_identifier,
    is_specific,
    mentions_code,
    nearest_spelling,
    numbered_names,
    plainly_typed,
    points_back,
    query_terms,
    question_code,
    question_names,
    question_years,
    questions_in,
    requested_subject,
    short_stem,
    small_talk,
    spellings,
    stem,
    unshouted,
    without_pictographs,
    written_options,
)

# Pieces the rules treat specially: digit groups, glued numbers, identifiers, markers, quotes, scripts without spaces.
PIECES = [
    *["10", "2.2", "30,000", "1.2,3", "COVID-19", "COVID-19.5", "24.kg", "1999", "2020-04-29", "$5", "20 million dollars"],
    *["April 27", "27 April", "Sept. 3", "on Friday", "three years ago", "Thirty", "dozens"],
    *["perf_counter", "__pycache__", "/etc/cron.allow", "@reboot", "$HOME", "--add-architecture", "exim4", "Xi's"],
    *["[1]", " [2]", "  [13]", "[", "]", "[[4]", ".", "!", "?", ";", "”", ")", "'", '"', "(", "-", "_"],
    *[" ", "\n", "\t", "\xa0", "\u3000", "\u200b", "\u0301", "中文字符", "한국어", "ไทย", "عربي", "😀", "İstanbul", "Straße"],
    *["China", "Wang Yi", "WHO", "the", "and", "masks", "Which ", "How many "],
    *["Can you tell me ", "Do you know ", "please", "Please, ", ", please", "I'd like to know "],
]
TEXT = st.one_of(
    st.text(max_size=120),
    st.lists(st.sampled_from(PIECES), max_size=25).map("".join),
    st.lists(st.sampled_from(PIECES), max_size=25).map(" ".join),
)
PROPERTY = settings(max_examples=300, deadline=None, database=None)  # no example database written into the repo


def test_the_worked_examples_hold() -> None:
    results = doctest.testmod(index.text)
    assert results.attempted >= 5 and results.failed == 0


# --------------------------------------------------------------------------- tokens


@PROPERTY
@given(TEXT)
def test_words_are_every_word_character_in_order(text: str) -> None:
    assert "".join(WORD.findall(text)) == "".join(c for c in text if re.fullmatch(r"\w", c))


@PROPERTY
@given(TEXT)
def test_pieces_join_back_into_the_text(text: str) -> None:
    pieces = PIECE.findall(text)
    assert "".join(pieces) == text.lstrip()
    assert all(piece.strip() and not piece[0].isspace() for piece in pieces)


@PROPERTY
@given(TEXT)
def test_every_visible_character_is_counted_once_for_tokens(text: str) -> None:
    runs = SPACED_RUN.findall(text)
    assert sum(map(len, runs)) + len(UNSPACED.findall(text)) == sum(not c.isspace() for c in text)
    assert not any(UNSPACED.search(run) for run in runs)


@PROPERTY
@given(TEXT)
def test_terms_are_whole_runs_that_end_in_a_word_character(text: str) -> None:
    previous_end = 0
    for match in TERM.finditer(text):
        assert match.start() >= previous_end
        assert re.fullmatch(r"\w", match.group()[-1])
        assert match.start() == 0 or not re.fullmatch(r"[\w'.-]", text[match.start() - 1])
        previous_end = match.end()


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("The embassy told 24.kg news.", ["The", "embassy", "told", "24.kg", "news"]),
        (
            "Xi's speech, in /etc/cron.allow --add-architecture",
            ["Xi's", "speech", "in", "etc", "cron.allow", "--add-architecture"],
        ),
        ("----- ... ''", []),
    ],
)
def test_terms_keep_inner_stops_hyphens_and_apostrophes(text: str, terms: list[str]) -> None:
    assert TERM.findall(text) == terms


def test_latin_words_start_at_a_letter() -> None:
    assert LATIN_WORD.findall("10 twenty-one specialists, Xi's 3rd") == ["twenty-one", "specialists", "Xi's", "rd"]


# --------------------------------------------------------------------------- content words


def test_content_words_drop_stopwords_but_keep_acronyms_and_case() -> None:
    assert content_words("What did the WHO say to the US about masks? Masks, masks.") == ["WHO", "say", "US", "masks"]
    assert query_terms("What did the WHO say to the US about masks?") == ["who", "say", "us", "masks"]
    assert content_words("what is it and how is that") == []
    assert content_words("alpha beta gamma delta", limit=2) == ["alpha", "beta"]


@PROPERTY
@given(TEXT, st.integers(0, 30))
def test_content_words_are_distinct_words_of_the_text(text: str, limit: int) -> None:
    words = content_words(text)
    assert set(words) <= set(WORD.findall(text))
    assert len({word.lower() for word in words}) == len(words)
    assert content_words(text, limit) == words[:limit]
    assert query_terms(text) == [word.lower() for word in words]


# --------------------------------------------------------------------------- numbers, dates and money


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("10 specialists, 2.2 tonnes and 30,000 masks", ["10", "2.2", "30,000"]),
        ("COVID-19 cases and 24.kg news", []),
        ("COVID-19.5", ["5"]),
        ("exim4, mp3 and A4", []),
        ("Thirty groups", []),
    ],
)
def test_digits_are_quantities_not_parts_of_names(text: str, digits: list[str]) -> None:
    assert DIGITS.findall(text) == digits


def test_numbers_include_number_words() -> None:
    assert NUMBER.findall("Thirty groups, dozens of experts and 10 teams; someone") == ["Thirty", "dozens", "10"]


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("The first team left in 1963.", ["1963"]),
        ("In 1500 and 2099; not 1499 or 2100.", ["1500", "2099"]),
        ("Port 8080, 1,999 items, version 2020.5, COVID-2020", []),
        ("In 1980, IBM chose Microsoft; 1999,000 is a figure, 1999. a year.", ["1980", "1999"]),
    ],
)
def test_years_stand_alone_between_1500_and_2099(text: str, years: list[str]) -> None:
    assert YEAR.findall(text) == years


@pytest.mark.parametrize(
    ("text", "dated"),
    [
        ("The team returned on April 27.", True),
        ("It ended on 27 April.", True),
        ("Logged 2020-04-29.", True),
        ("They met on Friday.", True),
        ("It began three years ago.", True),
        ("It grew last week.", True),
        ("The group of 10 specialists returned to China.", False),
        ("The mayor of Marchester spoke.", False),
    ],
)
def test_dates_and_points_in_time(text: str, dated: bool) -> None:
    assert bool(DATE.search(text)) is dated


@pytest.mark.parametrize(
    ("text", "money"),
    [
        ("China donated $5m.", True),
        ("It donated 20 million dollars to the WHO.", True),
        ("A budget of USD 300 was set.", True),
        ("It gave 300,000 yuan.", True),
        ("It sent 20 million masks.", False),
        ("The dollar rose.", False),
    ],
)
def test_money_needs_a_currency_next_to_a_figure(text: str, money: bool) -> None:
    assert bool(MONEY.search(text)) is money


# --------------------------------------------------------------------------- names


def test_question_names_are_runs_of_capitals_past_a_sentences_first_word() -> None:
    assert question_names("What did Wang Yi tell the WHO? Why did China agree?") == ["Wang Yi", "WHO", "China"]
    assert question_names("Where is Zürich") == ["Zürich"]
    assert question_names("Kyrgyzstan") == []
    # A capital or a digit after a lower-case letter marks a name anywhere, the first word included.
    assert question_names("exFAT or ext4: which does macOS read?") == ["exFAT", "ext4", "macOS"]
    assert question_names("Is x86_64 the same as amd64 in Debian?") == ["Debian", "x86_64", "amd64"]
    assert question_names("What did the 2nd edition and e.g. the 1990s bring?") == []


def test_question_years_are_years_not_quantities() -> None:
    assert question_years("Who won the 1998 World Cup, and who has led it since 2010?") == ["1998", "2010"]
    assert question_years("How many newsgroups were there by November 1999?") == ["1999"]
    assert question_years("How do I cut a file into 2000 MiB pieces?") == []  # a quantity with its unit
    assert question_years("What changed in Debian 12 or Python 3.11?") == []


def test_numbered_names_are_versions_not_dates() -> None:
    assert numbered_names("Which GNOME does Debian 12 ship? Who wrote PEP 8?") == ["12", "8"]
    assert numbered_names("What changed in Python 3.11.2 or Ubuntu 22.04?") == ["3.11.2", "22.04"]
    assert numbered_names("How many were counted in April 2021, or on May 4?") == []  # dates
    assert numbered_names("Did Windows 2000 ship 3 games?") == []  # a year-like number; a number after a lower-case word
    assert numbered_names("When was version 3.0 of the FHS published? And FHS version 2.3?") == ["3.0", "2.3"]
    assert numbered_names("What is new in release 2021, and in Python 3.11 version 3.11?") == ["3.11"]  # a year; once


def test_question_code_is_the_identifiers_a_passage_must_mention() -> None:
    assert question_code("Which signal does 'kill -9' send?") == ["-9"]
    assert question_code("How long does fail2ban's recidive jail ban for?") == ["fail2ban"]
    assert question_code("What does process.nextTick do, and what is in /etc/exports?") == ["process.nextTick", "etc", "exports"]
    assert question_code("Who founded Debian, e.g. in 1993?") == []
    assert question_code("In C#-style XML doc comments, which tag marks the brief description?") == []
    assert mentions_code("Send SIGKILL with kill -9 pid.", ["-9"]) and not mentions_code("kill -90 or signal 9", ["-9"])
    assert mentions_code("the SHA256 digest; see Python 3.11", ["SHA-256", "python3.11"])
    assert not mentions_code("the SHA-512 digest", ["SHA-256"])
    assert mentions_code("-x extracts, -z filters through gzip, -f names the archive", ["-xzf"])  # options run together
    assert not mentions_code("-x extracts, -f names the archive", ["-xzf"])
    assert mentions_code("valgrind --tool=memcheck ls", ["--tool"]) and not mentions_code("--tool-x", ["--tool"])
    # A dash after an option is punctuation, as a question's words are read: "-a-" writes "-a", "-.a-" writes "-.a".
    for written in ("use -a- here", "-.a-", "kill -9-- now"):
        assert mentions_code(written, question_code(written)), written
    assert not mentions_code("kill -9-x", ["-9"]) and not mentions_code("-.a-b", ["-.a"])  # another name goes on


def test_the_options_a_question_names_are_its_identifiers_written_with_a_dash() -> None:
    assert written_options("What does the set -e option do, and set -e again?") == ["-e"]
    assert written_options("Which tool runs without --tool, and is tar -xzf the same?") == ["--tool", "-xzf"]
    # A hyphenated word, a path or a dotted name is no option; nor is a dash between words.
    assert written_options("Is COVID-19 in /etc/hosts or jail.local - and who said so?") == []


def test_claim_names_are_capitalised_ascii_words_of_three_letters_or_more() -> None:
    assert claim_names("China sent doses to Kyrgyzstan (Sinovac), said \"Xi\" and 'Geng'.") == [
        "China",
        "Kyrgyzstan",
        "Sinovac",
        "Geng",
    ]
    assert claim_names("the Zürich office") == []  # not ASCII letters all through


@pytest.mark.parametrize(
    ("word", "position", "specific"),
    [("Geng", 3, True), ("Geng", 0, False), ("G20", 0, True), ("24.kg", 2, True), ("vaccine", 4, False), ("end.", 1, False)],
)
def test_a_specific_word_is_a_name_past_the_first_or_holds_a_digit_or_stop(word: str, position: int, specific: bool) -> None:
    assert is_specific(word, position) is specific


@pytest.mark.parametrize(
    ("sentence", "identifiers"),
    [
        ("Use perf_counter for timing.", ["perf_counter"]),
        ("It lives in __pycache__ now.", ["__pycache__"]),
        ("See /etc/cron.allow and exim4.", ["etc", "cron.allow", "exim4"]),
        ("Run dpkg --add-architecture, then @reboot or $HOME or ~user.", ["--add-architecture", "reboot", "HOME", "user"]),
        ("China and Kyrgyzstan will overcome the pandemic.", []),
        # A compound after a name that ends in a mark holds no option.
        ("Write C#-style or C++-like comments, then run -x.", ["-x"]),
        ("China met on version 3.2 of the Plan.B draft.", []),  # capitalised or numeric: names, not code
        # Capitals and digits with no lower-case letter name a code: an encoding, a standard, a model.
        ("Mount assumes CP437, not ISO-8859-1; the G20 met.", ["CP437", "ISO-8859-1", "G20"]),
        # A word after a slash is a path's only in a path: one that starts at the root, the home or here, or has two
        # slashes or more (a URL too). "HTTP/2", "TCP/IP" and "and/or" name no path.
        (
            "Edit ~/.bashrc, ./configure or usr/share/doc, not HTTP/2, TCP/IP and/or 1/2.",
            [".bashrc", "configure", "share", "doc"],
        ),
        ("See (/etc/fstab) at https://example.org/a/b.", ["etc", "fstab", "example.org", "a", "b"]),
        # An abbreviation's letters are no dotted name; a manual page cited with its section is one.
        (
            "Use a pager, e.g. less, i.e. a.out; see git-clean(1) and crontab(5), not Smith(2001).",
            ["a.out", "git-clean", "crontab"],
        ),
    ],
)
def test_identifiers_are_the_names_code_answers_give(sentence: str, identifiers: list[str]) -> None:
    assert [m.group() for m in TERM.finditer(sentence) if is_identifier(sentence, m)] == identifiers


# --------------------------------------------------------------------------- markers


def test_markers_are_removed_with_the_space_before_them() -> None:
    text = "China sent masks [1] [2]. Italy  [3]received them[4]."
    assert MARKER.findall(text) == ["1", "2", "3", "4"]
    assert MARKER.sub("", text) == "China sent masks. Italyreceived them."


@PROPERTY
@given(TEXT)
def test_markers_number_as_bare_brackets_do(text: str) -> None:
    # One marker rule serves both reading the numbers and removing them: the whitespace it takes is optional.
    assert MARKER.findall(text) == re.findall(r"\[(\d+)\]", text)


@PROPERTY
@given(TEXT.filter(lambda text: "[" not in text), st.integers(0, 999))
def test_an_appended_marker_comes_off_with_its_space(text: str, n: int) -> None:
    assert MARKER.sub("", f"{text} [{n}]") == text.rstrip()


@pytest.mark.parametrize(
    ("sentence", "trailing"), [("It ended.", "."), ("Really?!”", "?!”"), ("He said “yes.”", ".”"), ("No end", None)]
)
def test_trailing_punctuation_is_the_whole_closing_run(sentence: str, trailing: str | None) -> None:
    match = TRAILING.search(sentence)
    assert (match.group() if match else None) == trailing


# --------------------------------------------------------------------------- stems


def test_two_stem_lengths_keep_counts_strict_and_kinds_loose() -> None:
    assert stem("Specialists") == stem("specialist") == "speci"
    assert stem("ministers") != stem("minions") and short_stem("ministers") == short_stem("minions")
    assert short_stem("Railway") == short_stem("railroad") == "rail"


@PROPERTY
@given(st.text(max_size=12))
def test_a_short_stem_is_the_start_of_a_stem(word: str) -> None:
    # A prefix of the word or of its American spelling, its plural "s" dropped.
    assert any(form.startswith(stem(word)) for form in (word.lower(), american(word.lower()))) and len(stem(word)) <= 5
    assert short_stem(word) == stem(word)[:4]


def test_british_and_american_spellings_share_their_stems() -> None:
    pairs = [("colours", "color"), ("Favourite", "favorite"), ("honoured", "honor"), ("kilometres", "kilometers")]
    pairs += [("centre", "center"), ("centred", "centered"), ("metres", "meter"), ("grey", "gray"), ("sceptical", "skeptic")]
    for british, us in pairs:
        assert stem(british) == stem(us) and short_stem(british) == short_stem(us), (british, us)
    # Words spelt alike in both, or that only look like a British form, are their own stems.
    for word in ["hour", "four", "tour", "contour", "devour", "genre", "acre", "massacre", "parameter", "storey"]:
        assert american(word) == word and stem(word) == word[:5]
    assert stem("storey") != stem("story")  # a floor is no tale


def test_keyword_search_looks_a_word_up_in_both_spellings() -> None:
    assert spellings("colours") == ["colours", "colors"] and spellings("colors") == ["colors", "colours"]
    assert spellings("initialise") == ["initialise", "initialize"] and spellings("organizations")[1] == "organisations"
    assert spellings("analysed") == ["analysed", "analyzed"] and spellings("licence") == ["licence", "license"]
    assert spellings("size") == ["size"] and spellings("rise") == ["rise"] and spellings("analysis") == ["analysis"]
    # Compounds: a metre's multiples and a centre's kinds both ways, not words that only end alike.
    assert spellings("kilometers") == ["kilometers", "kilometres"] and spellings("datacenter")[1] == "datacentre"
    assert all(spellings(word) == [word] for word in ("parameters", "diameter", "cluster", "delimiter", "presenter"))


@PROPERTY
@given(st.from_regex(r"[a-z]{1,14}", fullmatch=True))
def test_spellings_start_with_the_word_and_fold_to_one_american_form(word: str) -> None:
    forms = spellings(word)
    assert forms[0] == word and len(forms) == len(set(forms)) <= 3
    assert american(american(word)) == american(word) and american(word) in forms


def test_folded_text_compares_typographic_and_plain_marks_alike() -> None:
    assert folded("Set it to \u2018sid\u2019 \u2013  now") == folded("set it to 'sid' - now")
    assert folded("A\n\nB") == "a b"


def test_a_question_is_a_sentence_that_ends_in_a_question_mark() -> None:
    assert asks("How can I find out what package produced a file?")
    assert asks('He asked: "Is it free?"') and asks("(Is it free?) ")
    assert not asks("It asks 'why?' of every rule.") and not asks("")


@PROPERTY
@given(TEXT)
def test_folding_is_stable_and_question_marks_are_read_in_any_text(text: str) -> None:
    once = folded(text)
    assert folded(once) == once and " " not in (once[:1], once[-1:])
    assert asks(text) == asks(text + " \n") and asks(text + "?")


def test_what_comes_before_a_question_s_first_word_makes_it_no_name() -> None:
    for opening in ("", "\U0001f600 ", "\ufffd ", "> - ", '"', "  ", "2. ", "(3) "):
        assert question_names(opening + "How many experts did China send to Wang Yi?") == ["China", "Wang Yi"]


def test_a_question_typed_in_capitals_is_read_in_lower_case_and_names_written_so_are_kept() -> None:
    assert unshouted("HOW MANY EXPERTS DID CHINA SEND TO ITALY?") == "How many experts did china send to italy?"
    assert unshouted('> "WHICH PACKAGE PROVIDES THE DHCP SERVER?"') == '> "Which package provides the dhcp server?"'
    for kept in ("WHAT IS DNS?", "How many NATO members?", "HTTP API", "USE THE GPL", "ß", ""):
        assert unshouted(kept) == kept


def test_invisible_characters_go_and_full_width_ascii_is_read_as_ascii() -> None:
    assert plainly_typed("Ch\u200bina\u00ad \u2060WHO\ufeff\uff1f\u3000\uff50\uff49\uff50") == "China WHO? pip"
    for kept in ("中文字符。", "naïve café", "a\u200db", "Ελληνικά?", "x² ½"):  # a joiner shapes scripts and emoji: kept
        assert plainly_typed(kept) == kept


def test_pictographs_are_left_out_and_other_text_kept() -> None:
    assert without_pictographs("\U0001f600 How many \U0001f44d\U0001f3fd masks\U0001f637for Serbia? \ufffd") == (
        "How many masks for Serbia?"
    )
    assert without_pictographs("\U0001f468\u200d\U0001f469\u200d\U0001f467 family \U0001f1e8\U0001f1f3") == "family"
    for kept in ("Is it 30 °C? © 2020, 5 €, a → b", "中文字符。", "Ελληνικά", "plain  text\n"):
        assert without_pictographs(kept) == kept
    assert without_pictographs("\U0001f600\U0001f44d") == ""
    # One glued to the end of a word leaves the space after it: the words on either side stay two words.
    assert (
        without_pictographs("Thanks\U0001f600 how many masks\U0001f637 went to Serbia?")
        == "Thanks how many masks went to Serbia?"
    )
    assert without_pictographs("How much\ufffd did China donate?") == "How much did China donate?"  # an undecodable byte


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("I read about the aid. Which countries received experts?", "Which countries received experts?"),
        ("My pipeline reports success! How do I make it fail?", "How do I make it fail?"),
        ("Which countries received experts?", ""),  # no scene
        ("Who is Dr. Smith?", ""),  # an abbreviation's full stop
        ("Is it, e.g. which one is best?", ""),
        ("The variable is gone afterwards. Why?", ""),  # too few words of its own to be read alone
        # A colon ends a scene too, the question after it in lower case as often.
        ("Coming from Python: why does Rust refuse s[0]?", "why does Rust refuse s[0]?"),
        ("I'm in the desktop: Which keys take me to a console?", "Which keys take me to a console?"),
        ("Note: do not run it as root?", ""),  # no question word after the colon
        (": which keys take me there?", ""),  # nothing before the colon
    ],
)
def test_the_question_asked_after_a_scene(question: str, asked: str) -> None:
    assert asked_part(question) == asked


@pytest.mark.parametrize(
    ("one", "two", "edits"),
    [
        ("china", "china", 0),
        ("chian", "china", 1),  # two neighbours swapped
        ("donte", "donate", 1),  # a letter left out
        ("donaate", "donate", 1),  # a letter doubled
        ("kyrgystan", "kyrgyzstan", 1),
        ("maintainance", "maintenance", 2),
        ("dependancy", "dependency", 1),
        ("medcial", "medical", 1),
        ("abc", "bca", 2),
        ("cat", "dogs", 3),  # more than ``most``: most + 1
    ],
)
def test_edit_distance_counts_insertions_deletions_replacements_and_swaps(one: str, two: str, edits: int) -> None:
    assert edit_distance(one, two, 2) == edits
    assert edit_distance(two, one, 2) == edits


@given(st.text(max_size=12), st.text(max_size=12), st.integers(0, 3))
@PROPERTY
def test_edit_distance_is_symmetric_zero_only_for_the_same_word_and_capped(one: str, two: str, most: int) -> None:
    edits = edit_distance(one, two, most)
    assert edits == edit_distance(two, one, most)
    assert 0 <= edits <= most + 1
    assert (edits == 0) == (one == two)
    # Never more than the letters to replace and add, nor less than the difference in length.
    assert edits <= max(len(one), len(two)) or edits == most + 1
    assert edits >= min(abs(len(one) - len(two)), most + 1)


def test_a_misspelled_word_is_read_as_the_nearest_word_the_text_holds_most_often() -> None:
    found = "China donated to the WHO . China chain Chinese medical team medics Kyrgyzstan".split()
    assert nearest_spelling("chian", found) == "China"  # as the text writes it; "chain" is as near, and rarer
    assert nearest_spelling("medcial", found) == "medical"
    assert nearest_spelling("kyrgystan", found) == "Kyrgyzstan"
    assert nearest_spelling("china", found) is None  # there as typed
    assert nearest_spelling("xhina", found) is None  # another first letter is another word
    assert nearest_spelling("chnese", found) == "Chinese"
    assert nearest_spelling("chnse", found) is None  # two slips: too far to guess
    assert nearest_spelling("spitting", ["shutting", "spite"]) is None  # a word spelled right that the text lacks
    assert nearest_spelling("anything", []) is None
    # Of the words one edit away: the one with the same letters (a swap), then for a capitalised word a name.
    assert nearest_spelling("Witrh", ["with", "with", "with", "Wirth"]) == "Wirth"
    assert nearest_spelling("creatde", ["create", "create", "created"]) == "created"
    assert nearest_spelling("Bron", ["brown", "brown", "Bronx"]) == "Bronx"
    assert nearest_spelling("bron", ["brown", "brown", "Bronx"]) == "brown"
    # Written as typed: in lower case where the text writes the word so too, else as the text writes it.
    assert nearest_spelling("limist", ["Limits", "Limits", "limits"]) == "limits"
    assert nearest_spelling("macSO", ["macOS"]) == "macOS"
    assert nearest_spelling("Cnosole", ["console", "Console"]) == "Console"  # a capital that opens the question stays


@pytest.mark.parametrize(
    ("typed", "direct"),
    [
        ("Can you tell me how much China donated to the WHO?", "How much China donated to the WHO?"),
        ("Could you please tell me which countries got vaccines?", "Which countries got vaccines?"),
        ("Do you know in what year it opened?", "In what year it opened?"),  # two words before the question word
        ("I'd like to know why the tunnel was dug.", "Why the tunnel was dug?"),
        ("I was wondering who led the team", "Who led the team"),  # no mark put where none was typed
        ("Tell me what DFSG stands for!", "What DFSG stands for?"),
        ("Can you tell me why it is so? Seems odd", "Why it is so? Seems odd"),
        ("- Please, how much did it cost?", "How much did it cost?"),  # after a bullet
        ("How much did it cost, please?", "How much did it cost?"),
        ("How much did China donate to the WHO?", "How much did China donate to the WHO?"),  # asked directly
        ("Can you tell me if it rains?", "Can you tell me if it rains?"),  # yes or no: read as written
        ("Tell me about the WHO donation.", "Tell me about the WHO donation."),  # "WHO" is no question word
        ("Please help me install it.", "Please help me install it."),
        ("Is it displeasing, please?", "Is it displeasing?"),
        ("please?", "please?"),  # nothing left to ask
        # A greeting or a filler before the question, thanks after it: no part of what is asked.
        ("Hi, how much did China donate to the WHO?", "How much did China donate to the WHO?"),
        ("Hello! How much did it cost? Thanks", "How much did it cost?"),
        ("hey quick question: which package is it? thx!", "Which package is it?"),
        ("OK so in what year did it open", "In what year did it open"),
        ("Good morning. Who led the team? Thank you very much.", "Who led the team?"),
        ("Hi there, can you tell me who led the team? Thanks in advance!", "Who led the team?"),
        ("How much did it cost, thanks?", "How much did it cost?"),
        ("One more question: who led it?", "Who led it?"),
        ("Well water levels?", "Well water levels?"),  # "well" before no question word is a word of the question
        ("So-called experts?", "So-called experts?"),
        ("Who led the cheers?", "Who led the cheers?"),  # thanks only after a mark: here it is what is asked about
        ("What is a TIA?", "What is a TIA?"),
        ("Hi!", "Hi!"),  # nothing else was said
        ("Thanks!", "Thanks!"),
    ],
)
def test_a_question_asked_indirectly_is_read_as_asked_directly(typed: str, direct: str) -> None:
    assert direct_question(typed) == direct


@pytest.mark.parametrize(
    ("typed", "subject"),
    [
        ("Tell me about the masks China sent", "the masks China sent"),
        ("Please tell me more about the aid to Kyrgyzstan.", "the aid to Kyrgyzstan"),
        ("Can you explain process substitution?", "process substitution"),
        ("Describe the Chinese medical teams, please", "the Chinese medical teams"),
        ("What do the documents say about the WHO?", "the WHO"),
        ("What does this manual say about multiarch?", "multiarch"),
        ("Give me a short overview of dpkg-reconfigure", "dpkg-reconfigure"),
        ("What can you tell me about piuparts?", "piuparts"),
        ("I'd like to learn more about coral bleaching!", "coral bleaching"),
        ("I'm interested in backscatter mail", "backscatter mail"),
        ("Info on mod_deflate", "mod_deflate"),
        ("> summarise: the SCIO briefing", "the SCIO briefing"),  # after a quote mark, before a colon
        ("What about the medical supplies?", "the medical supplies"),  # as a first question
        # Not requests about a subject: questions, however they open, and openings with nothing after them.
        ("Explain why the tunnel was dug", ""),
        ("Tell me about how it works", ""),
        ("Describe whether it rains", ""),
        ("What is a coprocess?", ""),
        ("Tell me about", ""),
        ("Explain?", ""),
        ("Explainer videos on the WHO", ""),  # a word that only starts as an opening does
        ("Tell me the capital of France", ""),
    ],
)
def test_a_request_for_what_the_documents_say_is_read_as_its_subject(typed: str, subject: str) -> None:
    assert requested_subject(typed) == subject


def test_what_about_opens_a_request_only_before_any_conversation() -> None:
    # In a conversation "What about Serbia?" continues the last question (``names_another_subject``).
    assert requested_subject("What about Serbia?") == "Serbia"
    assert requested_subject("What about Serbia?", first=False) == ""
    assert requested_subject("Tell me about Serbia", first=False) == "Serbia"


@given(TEXT, st.sampled_from(["Tell me about ", "Explain ", "What do the docs say about ", "Please, describe ", ""]))
@PROPERTY
def test_a_requested_subject_is_what_was_typed_after_its_opening(text: str, opening: str) -> None:
    typed = opening + text
    subject = requested_subject(typed)
    # What is asked is the typed text from some point on, less a closing "please" and marks: never a word added.
    assert subject == "" or (subject.strip() and typed.rfind(subject) >= len(opening) - 1)


@given(TEXT)
@PROPERTY
def test_a_question_asked_directly_is_a_part_of_what_was_typed_and_never_emptied(text: str) -> None:
    direct = direct_question(text)
    # Only an opening and a closing "please" come off: what is left was typed, in order, its first letter perhaps
    # capitalised and a closing full stop perhaps made a question mark.
    typed = iter(text)
    assert direct == text or all(character in typed for character in direct[1:-1])
    assert bool(direct.strip()) is bool(text.strip())
    assert len(direct) <= len(text) + 1  # an opening taken off, a question mark put on


@pytest.mark.parametrize(
    ("message", "questions"),
    [
        ("How much was given? How many went to Italy?", ["How much was given?", "How many went to Italy?"]),
        ("How many went to Italy?  And to Serbia?", ["How many went to Italy?", "And to Serbia?"]),
        ("Is there a size limit? How big can the package be?", ["Is there a size limit?", "How big can the package be?"]),
        (
            "I read about the aid. Which countries got it? Also, why was it sent?",
            ["I read about the aid. Which countries got it?", "Also, why was it sent?"],
        ),
        # One question as far as can be told: one mark, a fragment first, a later one that opens as no question does,
        # one with no content word, a mark inside a word, or more questions than a message asks.
        ("How many went to Italy?", ["How many went to Italy?"]),
        (
            "Green threads or native ones? Which model does Rust follow?",
            ["Green threads or native ones? Which model does Rust follow?"],
        ),
        ("How many went to Italy? To Serbia?", ["How many went to Italy? To Serbia?"]),
        ("Who is he? Why?", ["Who is he? Why?"]),
        ("What does {:?} print? Which trait is it?", ["What does {:?} print?", "Which trait is it?"]),
        ("What? " * 6 + "Which one?", ["What? " * 6 + "Which one?"]),
        ("How much was given? Tell me.", ["How much was given? Tell me."]),
    ],
)
def test_the_questions_of_a_message_are_read_one_by_one(message: str, questions: list[str]) -> None:
    assert questions_in(message) == questions


@pytest.mark.parametrize(
    ("question", "back"),
    [
        # Words that lean on an earlier turn.
        ("Who led them?", True),
        ("Who wrote that book?", True),
        ("Can I raise that limit somewhere?", True),
        ("Why does that fail?", True),
        ("How do I undo that later on?", True),
        ("How do I get there?", True),
        ("Which RFCs contain it?", True),
        ("In which Postfix version did it first appear?", True),  # a name before "it" need not be what "it" is
        ("What is its population?", True),
        # The same words used otherwise: a standalone question.
        ("What is the biggest file that a FAT filesystem can store?", False),
        ("Is there a size limit for crates?", False),
        ("Are there any limits?", False),
        ("How many packages are there?", False),
        ("Which tools such as grep read stdin?", False),
        ("When did Einstein marry his cousin?", False),
        ("Why did Debian drop its i386 port?", False),
        ("When was the last ITS machine shut down?", False),
        # A relative "that" after the noun phrase it describes, whatever opens its clause.
        ("What is the largest value that $RANDOM can return?", False),
        ("Who led the group that developed Smalltalk?", False),
        ("How many specialists were in the Chinese medical expert group that went to Kyrgyzstan?", False),
        # After a verb or a preposition, or ending the question, "that" still points back.
        ("Who is the author of that book?", True),
        ("What does the tool do with that?", True),
        ("Which package provides that command?", True),
    ],
)
def test_a_question_points_back_by_the_words_it_leans_on(question: str, back: bool) -> None:
    assert points_back(question) is back


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        *[(m, "greeting") for m in ["hi", "Hello there!", "Good morning :)", "hey, how are you?", "OK, hi", "hi hi"]],
        *[
            (m, "thanks")
            for m in ["thanks", "Thank you very much!", "ok thanks", "great, thanks for the answer!", "ok", "Cheers"]
        ],
        *[(m, "farewell") for m in ["bye", "Goodbye!", "thanks, bye", "ok, see you later", "that's all for now"]],
        # Anything that asks, or says more: a question after a greeting, a name, a question ending in a word of thanks,
        # a filler alone, a long message.
        *[(m, "") for m in ["Hi, how much did China donate?", "Who led the cheers?", "Goodbye Lenin", "What is OK?", "well"]],
        *[(m, "") for m in ["thanks for the info on masks, how many?", "hi " * 30, "", "👍"]],
    ],
)
def test_a_message_that_asks_nothing_is_small_talk(message: str, kind: str) -> None:
    assert small_talk(message) == kind
