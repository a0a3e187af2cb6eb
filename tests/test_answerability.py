"""The extractive answerer's bar: an on-topic passage whose sentences do not say what was asked gets a refusal.

The fake reranker stands in for the cross-encoder (scores follow shared words: 2 points each, minus 4),
so the rule itself is tested; the real model's thresholds are measured in bench/eval.py.
"""

from __future__ import annotations

from dataclasses import replace

from fakes import FakeEmbedder, FakeReranker, passage

from assistant.extractive import ExtractiveAnswerer
from assistant.settings import DEFAULTS
from index.text import code_terms

LAKE = "The lake lies high in the northern valley. The lake is 12 km long and 3 km wide, with two islands."


def answerer(min_score: float = -1.25) -> ExtractiveAnswerer:
    return ExtractiveAnswerer(embedder=None, reranker=FakeReranker(), min_score=min_score)  # type: ignore[arg-type]


def quoted(question: str, text: str) -> list[str]:
    """What the answer to ``question`` quotes from ``text``, one passage, with no bar."""
    return [sentence for sentence, _ in answerer(min_score=-100).answer(question, [passage(text, 7.0)]).sentences]


def quoted_under(section: str, question: str, text: str) -> list[str]:
    """What the answer to ``question`` quotes from ``text``, one passage under ``section``, with no bar."""
    extract = answerer(min_score=-100).answer(question, [passage(text, 7.0, section=section)])
    return [sentence for sentence, _ in extract.sentences]


def considered(question: str, text: str) -> list[str]:
    """The sentences of ``text`` weighed for ``question``."""
    return [c.text for c in answerer(min_score=-100).answer(question, [passage(text, 7.0)]).considered]


def test_a_sentence_that_answers_is_quoted() -> None:
    extract = answerer().answer("How long is the lake in the northern valley?", [passage(LAKE, 1.0)])
    assert extract.sentences and "12 km long" in extract.sentences[0][0]


def test_an_on_topic_sentence_below_the_bar_is_refused() -> None:
    # Nothing in the passage says why: its best sentence fits the question weakly, however on topic the passage.
    extract = answerer().answer("Why do fishermen avoid the lake?", [passage(LAKE, 7.0)])
    assert extract.sentences == [] and extract.considered  # sentences were weighed, none was good enough
    assert max(c.score for c in extract.considered) < -1.25


def test_a_sentence_is_also_read_under_its_heading_and_after_its_neighbour() -> None:
    # "its development" says nothing of PureOS alone; under its heading it does, and that reading counts.
    text = "PureOS is a Debian-based distribution. The social purpose company Purism guides its development."
    question = "Which company steers the development of PureOS?"
    scorer = FakeReranker()
    alone = scorer.score(question, ["The social purpose company Purism guides its development."])[0]
    extract = answerer(min_score=-100).answer(question, [passage(text, 3.0, section="Derivatives > PureOS")])
    purism = next(c for c in extract.considered if "Purism" in c.text)
    assert purism.fit > alone and extract.sentences[0][0].startswith("The social purpose company Purism")


def test_the_first_sentence_under_a_heading_reads_the_heading_once() -> None:
    # The heading's own line is the sentence before the first one under it: read as the heading, not again after it.
    text = "12.4.1. Permanent questioning\n\nBruce Schneier tries to counter a myth with a motto. He wrote books on it."
    section = "Security > 12.4.1. Permanent questioning"
    extract = answerer(min_score=-100).answer("What myth does Schneier counter?", [passage(text, 7.0, section=section)])
    first, second = sorted(extract.considered, key=lambda candidate: candidate.start)
    assert first.before == "Permanent questioning"  # the splitter parts a heading's number from its words
    assert first.reading == "12.4.1. Permanent questioning: Bruce Schneier tries to counter a myth with a motto."
    # The next sentence is still read after the one before it, which its "he" points back to.
    assert second.reading == (
        "12.4.1. Permanent questioning: Bruce Schneier tries to counter a myth with a motto. He wrote books on it."
    )


def test_a_number_of_another_dimension_is_not_weighed() -> None:
    # Its numbers measure length and width: no sentence can say how deep the lake is, whatever its score.
    extract = answerer(min_score=-100).answer("What depth does the lake reach?", [passage(LAKE, 7.0)])
    assert extract.sentences == [] and extract.considered == []


def test_a_name_is_mentioned_by_the_passage_title_or_headings_too() -> None:
    # A section of an article about Lake Baikal need not repeat its name; a passage about no Baikal is no answer.
    text = "The lake is 1,642 m deep at its deepest point."
    question = "How deep is Baikal?"
    under_title = answerer(min_score=-100).answer(question, [passage(text, 7.0, title="Baikal")])
    under_heading = answerer(min_score=-100).answer(question, [passage(text, 7.0, section="Lakes > Baikal")])
    elsewhere = answerer(min_score=-100).answer(question, [passage(text, 7.0, title="Ladoga")])
    assert under_title.sentences and under_heading.sentences and not elsewhere.sentences


def test_a_name_is_mentioned_by_the_documents_folder_or_file_name_too() -> None:
    # A chapter titled "Programming" in the folder of the Debian Reference is a page of a Debian manual.
    text = 'The default non-interactive POSIX shell "/bin/sh" is a symlink pointing to /usr/bin/dash.'
    question = "The default non-interactive /bin/sh on Debian is a symlink to which shell?"
    chapter = passage(text, 7.0, title="Chapter 12. Programming", source="debian-reference/ch12.en.html")
    assert answerer(min_score=-100).answer(question, [chapter]).sentences
    elsewhere = passage(text, 7.0, title="Chapter 12. Programming", source="manuals/ch12.en.html")
    assert not answerer(min_score=-100).answer(question, [elsewhere]).sentences


def test_a_version_in_the_file_name_is_the_documents_version() -> None:
    # The dedication of the FHS 3.0 never says "3.0"; its file name does, and "ch12.en.html" still names "ch12".
    text = "This release is dedicated to the memory of Christopher Yeoh, one of the original editors of the FHS."
    question = "Who is the FHS 3.0 release dedicated to?"
    named = passage(text, 7.0, title="Filesystem Hierarchy Standard", source="fhs/fhs-3.0.pdf.gz")
    assert answerer(min_score=-100).answer(question, [named]).sentences
    other = passage(text, 7.0, title="Filesystem Hierarchy Standard", source="fhs/fhs-2.3.pdf.gz")
    assert not answerer(min_score=-100).answer(question, [other]).sentences


def test_a_name_marked_by_an_inner_capital_or_digit_must_be_mentioned() -> None:
    # "exFAT" and "arm64" are names although lower-case first: a passage about FAT or amd64 does not answer them.
    text = "For FAT filesystems, the maximum file size is (2^32 - 1) bytes = (4GiB - 1 byte)."
    fat = answerer(min_score=-100).answer("What is the maximum file size on FAT?", [passage(text, 7.0)])
    exfat = answerer(min_score=-100).answer("What is the maximum file size on exFAT?", [passage(text, 7.0)])
    assert fat.sentences and not exfat.sentences and not exfat.considered
    kernel = "The arm64 port uses the same kernel flavour as amd64."
    assert answerer(min_score=-100).answer("Which kernel flavour does arm64 use?", [passage(kernel, 7.0)]).sentences
    assert not answerer(min_score=-100).answer("Which kernel flavour does armhf64 use?", [passage(kernel, 7.0)]).sentences


def test_a_question_about_one_version_is_not_answered_from_another() -> None:
    text = "Debian Bullseye includes GNOME version 3.38, which can be installed with apt install gnome."
    other = answerer(min_score=-100).answer("Which GNOME version does Debian 12 ship?", [passage(text, 7.0)])
    assert not other.sentences and not other.considered
    titled = passage(text, 7.0, title="Debian 11 Bullseye")  # the version may be named by the title only
    assert answerer(min_score=-100).answer("Which GNOME version does Debian 11 ship?", [titled]).sentences


def test_a_version_named_after_the_word_version_is_one_version_too() -> None:
    text = "The FSSTND, a filesystem hierarchy standard, was released on February 14, 1994."
    question = "When was version 3.0 of the Filesystem Hierarchy Standard published?"
    assert not answerer(min_score=-100).answer(question, [passage(text, 7.0)]).considered
    later = "The Filesystem Hierarchy Standard version 3.0 was published on March 19, 2015."
    assert answerer(min_score=-100).answer(question, [passage(later, 7.0)]).sentences


def test_a_question_about_an_identifier_is_not_answered_by_passages_that_never_mention_it() -> None:
    # "kill -9" asks about signal 9: a passage that names signals but never "-9" says nothing of it.
    text = "Send a signal to the process. sigspec is a signal name such as SIGINT or a signal number."
    assert not answerer(min_score=-100).answer("Which signal does 'kill -9' send?", [passage(text, 7.0)]).considered
    nine = text + " kill -9 sends SIGKILL, which cannot be caught."
    assert "SIGKILL" in " ".join(quoted("Which signal does 'kill -9' send?", nine))
    # A code name is mentioned with its call's brackets too; another code name is not it.
    digest = "hashlib.file_digest() returns the SHA-256 digest of a file object opened for reading in binary mode."
    assert quoted("How do I compute the SHA-256 hash of an opened file with hashlib.file_digest?", digest)
    assert not considered("How do I compute the SHA-256 hash of an opened file with hashlib.sha256?", digest)


def test_a_name_is_mentioned_by_its_abbreviation_with_dots() -> None:
    text = "Cerf holds a degree from Stanford University and Ph.D. degrees in Computer Science from UCLA."
    assert "UCLA" in " ".join(quoted("Which university awarded Cerf his PhD?", text))
    assert not considered("Which university awarded Cerf his MSc?", text)  # no abbreviation of it here


def test_a_plural_name_is_mentioned_by_its_singular() -> None:
    text = "It is unreasonable to distribute 18 DVD-ROMs of free packages."
    extract = answerer(min_score=-100).answer("How many DVDs would the free packages fill?", [passage(text, 7.0)])
    assert extract.sentences and "18 DVD-ROMs" in extract.sentences[0][0]


def test_a_place_is_mentioned_by_its_adjective_and_its_people() -> None:
    text = "Seward negotiated the purchase of Alaska with the Russians in 1867 for $7.2 million."
    bought = answerer(min_score=-100).answer("How much did Seward pay Russia for Alaska?", [passage(text, 7.0)])
    assert bought.sentences and "$7.2 million" in bought.sentences[0][0]
    canada = "The Canadian border was surveyed in 1908 over 1,538 miles."
    assert answerer(min_score=-100).answer("How long is the border with Canada?", [passage(canada, 7.0)]).sentences
    # Another country's adjective mentions no other country.
    assert not answerer(min_score=-100).answer("How much did Seward pay Norway for Alaska?", [passage(text, 7.0)]).sentences


def test_a_heading_is_never_quoted() -> None:
    # The heading shares every word of the question; it is the sentences' context, never the answer.
    text = "Early life and career\n\nHe was born in Lyon and studied music in Vienna."
    extract = answerer(min_score=-100).answer(
        "What do we know of his early life and career?", [passage(text, 7.0, section="Karl Weber > Early life and career")]
    )
    assert [sentence for sentence, _ in extract.sentences] == ["He was born in Lyon and studied music in Vienna."]
    # A manual numbers its headings, and the sentence splitter parts the number from the words; nor does a label's number
    # ("Chapter 2.") make a heading a sentence.
    for heading in ("11.1.2. Checking a file to be UTF-8 with iconv", "Chapter 11. Checking a file to be UTF-8 with iconv"):
        text = f"{heading}\n\nYou can check that a file is UTF-8 with iconv by the following command."
        answer = quoted_under(f"Top > {heading}", "How do I check a file to be UTF-8 with iconv?", text)
        assert answer == ["You can check that a file is UTF-8 with iconv by the following command."], heading


def test_a_question_after_sentences_that_set_its_scene_is_also_read_as_asked() -> None:
    # The scene's words are in no answer: the sentence that answers the question asked alone answers it after the scene,
    # with the same fit and the same share of the question's words.
    plain = answerer(min_score=-100).answer("How long is the lake?", [passage(LAKE, 1.0)]).considered[0]
    scene = "We hiked around it last summer. How long is the lake?"
    after = answerer(min_score=-100).answer(scene, [passage(LAKE, 1.0)]).considered[0]
    assert after.text == plain.text and "12 km long" in after.text
    assert (after.fit, after.overlap, after.score) == (plain.fit, plain.overlap, plain.score)


def test_a_name_of_the_scene_need_not_be_mentioned_but_one_of_the_question_asked_must() -> None:
    # "My LAN ..." sets the scene; the page that answers what to type never says "LAN". A name in the question asked
    # ("exFAT") still has to be mentioned, after a scene as without one.
    text = "To set a static address during installation, add netcfg/disable_autoconfig=true to the boot line."
    scene = "My LAN has its own DHCP server. What do I add to the boot line to set a static address during installation?"
    assert "netcfg/disable_autoconfig=true" in " ".join(quoted(scene, text))
    fat = "For FAT filesystems, the maximum file size is (2^32 - 1) bytes = (4GiB - 1 byte)."
    assert quoted("I format my USB drives on Windows. What is the maximum file size on FAT?", fat)
    assert not considered("I format my USB drives on Windows. What is the maximum file size on exFAT?", fat)
    # A scene's identifier is a scene's too: "/var/spool/mail" need not be on the page that gives the fix.
    fix = "Workaround: make the mail spool directory world-writable with the sticky bit set."
    assert quoted("Procmail can no longer write into /var/spool/mail. How do I fix the mail spool permissions?", fix)


def test_a_follow_up_is_held_to_the_bar() -> None:
    # Neither the question nor the conversation's words find a sentence that says who led anything.
    extract = answerer().answer("who led the team?", [passage(LAKE, 2.0)], context="who led the team? lake valley")
    assert extract.sentences == []


def test_a_follow_up_that_points_back_quotes_the_best_sentence_that_says_what_it_asks() -> None:
    # Read with the conversation's words, the sentence about the group scores best; judged against the follow-up alone
    # it says nothing of training, and the next sentence does: that one answers, where the best alone used to refuse.
    group, trained = (
        "The medical group of specialists in Kyrgyzstan had 10 specialists.",
        "In all 15,000 people attended its courses.",
    )
    follow_up = ExtractiveAnswerer(embedder=None, reranker=FakeReranker(), min_follow_up_score=-2.5)  # type: ignore[arg-type]
    context = "How many people did they train? specialists medical group Kyrgyzstan"
    passages = [passage(group, 7.0), passage(trained, 7.0, source="b.txt")]
    extract = follow_up.answer("How many people did they train?", passages, context=context)
    first = extract.considered[0]
    assert first.text == group and first.alone < -2.5, "the best-scored sentence fails the follow-up's own bar ..."
    assert [sentence for sentence, _ in extract.sentences] == [trained], "... and the one that passes it answers"


def test_without_a_reranker_there_is_no_bar() -> None:
    plain = ExtractiveAnswerer(embedder=None, reranker=None, min_score=4.0)  # type: ignore[arg-type]
    assert plain.min_score == float("-inf")


def test_a_sentence_that_announces_a_block_is_quoted_with_it() -> None:
    # The command is in the block the sentence points at; quoted alone, "by the following." answers nothing.
    text = "Debian provides the system default editor as /usr/bin/editor.\n\nYou can change it by the following."
    text += "\n\n$ sudo update-alternatives --config editor"
    answer = quoted("How do I change the default editor?", text)
    assert any(q.startswith("You can change it by the following.") and q.endswith("--config editor") for q in answer)
    # A sentence that ends a paragraph without pointing at the next block stays alone.
    plain = "You can change the editor.\n\n$ sudo update-alternatives --config editor"
    assert "You can change the editor." in considered("How do I change the editor?", plain)


def test_a_cross_reference_to_what_comes_below_announces_nothing() -> None:
    # "(see below)" sends the reader further on: the block after it is another entry, quoted on its own or not at all.
    for lead in (
        "The lock is taken on the mailbox (see below).",
        "See also INCOMPATIBLE OPTIONS below.",
        "See gitcredentials(7) or EXAMPLES below.",
    ):
        text = f"The mailbox is locked before delivery.\n\n{lead}\n\n-v Enable verbose logging for debugging purposes."
        weighed = considered("Which option enables verbose logging?", text)
        assert "-v Enable verbose logging for debugging purposes." in weighed, lead
        assert not any(sentence.startswith(lead) and sentence.endswith("purposes.") for sentence in weighed), lead
    # "below" alone still points at the block right after it.
    text = "The options are listed below.\n\n-v Enable verbose logging."
    assert any(q.startswith("The options are") and q.endswith("verbose logging.") for q in considered("Which option?", text))


def test_the_following_command_announces_its_block() -> None:
    # "... execute the following command." ends with its noun, not with "following", and still points at the block.
    text = "If you think listed packages are OK to be purged, execute the following command.\n\n# aptitude purge '~c'"
    answer = quoted("How do I purge removed packages?", text)
    assert any(q.startswith("If you think") and q.endswith("# aptitude purge '~c'") for q in answer)


def test_a_reference_in_square_brackets_is_never_quoted() -> None:
    # An encyclopedia's bibliography names people and years, and states nothing: no "who" or "when" is answered by it.
    text = (
        "CAML was designed at INRIA as a dialect of ML.\n\n"
        '["The CAML Reference Manual", P. Weis et al, TR INRIA-ENS, 1989].\n\n'
        "In 1990 Xavier Leroy designed a new implementation called Caml Light."
    )
    weighed = considered("In which year did INRIA start the CAML project?", text)
    assert weighed == ["In 1990 Xavier Leroy designed a new implementation called Caml Light."]
    # A sentence with a bracket inside it, or a note in round brackets, still states something.
    text = "Caml Light [a new implementation] was designed in 1990.\n\n(CAML itself dates from 1987.)"
    assert len(considered("In which year was it designed?", text)) == 2


def test_following_as_a_preposition_announces_nothing() -> None:
    # "Following the addition ..." and "the years following the war." say when, and point at no block after them.
    for lead in (
        "Following the addition of a module system in 1995, the project's name was changed to Objective Caml.",
        "The project was renamed in the years following the war.",
        "Following Eric Raymond's guidelines, the project was renamed.",
    ):
        text = f"{lead}\n\n[The Caml Reference Manual, 1989]."
        assert lead in considered("What became of the project?", text), lead
    announcing = (
        "The following is the safe way to clear the file.",
        "Following are the options of the command.",
        "To clear the file, use following commands.",  # as some manuals write it, without "the"
        "Following commands clear the file.",
    )
    for lead in announcing:
        text = f"{lead}\n\n$ truncate -s 0 file"
        assert any(q.startswith(lead) and q.endswith("-s 0 file") for q in quoted("How do I clear the file?", text)), lead


def test_a_sentence_that_runs_on_past_a_line_set_apart_is_quoted_whole() -> None:
    # A manual sets the line to add apart from the sentence around it; each piece alone says nothing whole.
    text = (
        "If you'd like to log all your dpkg invocations, you could add\n\nlog /var/log/dpkg.log\n\n"
        "to your /etc/dpkg/dpkg.cfg. Be sure the created logfile gets rotated periodically."
    )
    answer = quoted("Which line do I add to dpkg.cfg to log every dpkg invocation?", text)
    assert any(q.startswith("If you'd like") and "log /var/log/dpkg.log" in q and q.endswith("periodically.") for q in answer)
    # A sentence that ends before the block, a block that is followed by a new sentence, and a heading over a block
    # stay apart from it.
    for finished in (
        "You could add a line.\n\nlog /var/log/dpkg.log\n\nto your /etc/dpkg/dpkg.cfg file then.",
        "If you like, you could add\n\nlog /var/log/dpkg.log\n\nThe file is /etc/dpkg/dpkg.cfg here.",
    ):
        assert not any("log /var/log/dpkg.log" in q for q in considered("Which line do I add to dpkg.cfg?", finished))
    section = "Logging every dpkg invocation"
    under = f"{section}\n\nlog /var/log/dpkg.log\n\nto your /etc/dpkg/dpkg.cfg file, then restart nothing."
    assert not any(q.startswith(section) for q in quoted_under(section, "Which line do I add to dpkg.cfg?", under))


def test_a_labelled_field_is_quoted_with_the_sentence_before_it_on_its_line() -> None:
    # An API reference lists each parameter as "name {type} description. Default: value.": the field is two words,
    # too short to be a sentence of its own, and says what "by default" asks only with the sentence before it.
    text = (
        "buf.toString([encoding[, start]])\n\n"
        "encoding {string} The character encoding to use. Default: 'utf8'.\n\n"
        "start {integer} The byte offset to start decoding at. Default: 0."
    )
    answer = quoted("What encoding does toString use by default?", text)
    assert any(q.endswith("encoding {string} The character encoding to use. Default: 'utf8'.") for q in answer)
    assert "Default: 'utf8'." not in answer and "Default: 0." not in answer  # never quoted alone
    # A field on its own line, a longer sentence and a label with no value on the line stay apart.
    for apart in (
        "The character encoding to use.\nDefault: 'utf8'.",
        "The character encoding to use. Default: it is the one set by the locale.",
        "The character encoding to use. Default:\n'utf8'.",
    ):
        assert "The character encoding to use." in considered("Describe the character encoding to use.", apart)


def test_an_api_description_is_quoted_after_the_signature_it_describes() -> None:
    # The description never names the function; the signature above it, in its own block, does.
    signature = "ZipFile.extractall(path=None, members=None, pwd=None)"
    description = "Extract all members from the archive to the current working directory."
    text = f"Return a list of archive members by name.\n\n{signature}\n\n{description} path specifies another one."
    extract = answerer(min_score=-100).answer("How do I extract every member of an archive?", [passage(text, 7.0)])
    answer = [sentence for sentence, _ in extract.sentences]
    assert any(q.startswith(signature) and description in q for q in answer)
    assert signature not in answer  # the signature is never a candidate of its own
    # The citation highlights both, the quote is verbatim, and the sentence is judged without the signature.
    (citation,) = extract.book.citations()
    assert any(text[start:end].startswith(signature) for start, end in citation.highlights)
    described = next(c for c in extract.considered if c.text.startswith("Extract all"))
    assert described.text == description + " path specifies another one."
    # A line that is a sentence, or a paragraph of prose, is not a signature.
    assert "You can call f(x) here." in considered("What does f return?", "You can call f(x) here.\n\nIt returns nothing.")


def test_a_definition_is_quoted_after_the_code_term_it_defines() -> None:
    # A manual's list of variables: each name alone on its line (marked as code), its description in the block below,
    # which never repeats the name. Read and quoted with its term, the description names what "which variable" asks.
    text = (
        "These variables are set by the shell.\n\nOSTYPE\n\nA string describing the operating system.\n\n"
        "PIPESTATUS\n\nAn array containing the exit status values of the last pipeline."
    )
    page = replace(passage(text, 7.0), code=frozenset({"ostype", "pipestatus"}))
    question = "Which variable holds the exit status values of every command of the last pipeline?"
    extract = answerer(min_score=-100).answer(question, [page])
    assert extract.sentences[0][0] == "PIPESTATUS\n\nAn array containing the exit status values of the last pipeline."
    described = next(c for c in extract.considered if c.text.startswith("An array"))
    assert described.before == "PIPESTATUS" and described.judged.startswith("PIPESTATUS")
    # Without its term the description names nothing, and "which variable" weighs only sentences that name one.
    plain = replace(page, code=frozenset())
    assert not any(c.text.startswith("An array") for c in answerer(min_score=-100).answer(question, [plain]).considered)


def test_a_later_sentence_of_a_description_is_read_and_counted_with_its_term_and_first_sentence() -> None:
    # "The default is one minute." names neither the setting nor what it sets: its paragraph's term and first sentence do.
    text = (
        "naptime (integer)\n\nSpecifies the delay between cleaning runs. The default is one minute.\n\n"
        "It is rarely changed.\n\nworkers (integer)\n\nSpecifies how many cleaners run at once. The default is three."
    )
    page = replace(passage(text, 7.0), code=frozenset({"naptime", "workers", "integer"}))
    considered = {
        c.text: c for c in answerer(min_score=-100).answer("What is the delay between cleaning runs?", [page]).considered
    }
    minute, three = considered["The default is one minute."], considered["The default is three."]
    assert minute.subject == "naptime (integer) Specifies the delay between cleaning runs."
    assert minute.reading.endswith("naptime (integer) Specifies the delay between cleaning runs. The default is one minute.")
    assert three.subject == "workers (integer) Specifies how many cleaners run at once."
    assert minute.overlap == 1.0 and three.overlap < minute.overlap  # the description's words count as the sentence's
    # A paragraph after the description's is read alone, and the first sentence is read after its term as before.
    assert considered["It is rarely changed."].subject == ""
    first = considered["Specifies the delay between cleaning runs."]
    assert first.subject == "" and first.before == "naptime (integer)"
    # The first sentence is about its term as much: the term's words count as its own, as they do for the later ones.
    asked = {c.text: c for c in answerer(min_score=-100).answer("What does naptime do?", [page]).considered}
    assert asked["Specifies the delay between cleaning runs."].overlap == 1.0
    assert asked["Specifies how many cleaners run at once."].overlap == 0.0
    assert minute.quoted == (minute.start, minute.end)  # quoted as written
    # Answered by it, the answer quotes the term and the description's first sentence first: "The default is one minute."
    # alone would not say what it is the default of.
    extract = answerer(min_score=-100).answer("How long is the delay between cleaning runs by default?", [page])
    quotes = [quote for quote, _ in extract.sentences]
    assert quotes[:2] == ["naptime (integer)\n\nSpecifies the delay between cleaning runs.", "The default is one minute."]
    (citation,) = extract.book.citations()
    assert [text[start:end] for start, end in citation.highlights] == quotes
    # Nor is "The default is three.", said of another term, quoted beside it without that term.
    assert "The default is three." not in quotes


def test_an_option_given_with_its_value_and_default_is_the_term_it_defines() -> None:
    # A tool's list of options gives each with its value and its default; the description below never names it.
    text = (
        "These options apply to every tool.\n\n--trace-children=<yes|no> [default: no]\n\n"
        "When enabled, Valgrind will trace into sub-processes initiated via the exec system call.\n\n"
        "--log-file=<filename>\n\nSpecifies that Valgrind should send all of its messages to the specified file."
    )
    page = replace(passage(text, 7.0), code=frozenset({"--trace-children", "--log-file", "yes", "no", "filename"}))
    question = "Which option makes Valgrind trace into sub-processes?"
    extract = answerer(min_score=-100).answer(question, [page])
    assert extract.sentences[0][0] == (
        "--trace-children=<yes|no> [default: no]\n\n"
        "When enabled, Valgrind will trace into sub-processes initiated via the exec system call."
    )
    logs = next(c for c in extract.considered if c.text.startswith("Specifies"))
    assert logs.named and logs.judged.startswith("--log-file=<filename>")
    # Not marked as code, the option names nothing, and "which option" weighs only sentences that name one.
    plain = replace(page, code=frozenset())
    assert not any(c.text.startswith("When enabled") for c in answerer(min_score=-100).answer(question, [plain]).considered)


def test_a_manual_pages_name_line_and_a_list_of_pages_name_commands() -> None:
    # A manual page opens with its name and what it does; a list of commands gives each page with its section, its
    # summary below, right under the list's heading. Neither is marked as code: the manual page's form says it.
    question = "Which command removes untracked files from the working tree?"
    name_line = "NAME\n\ngit-clean - Remove untracked files from the working tree\n\nSYNOPSIS\n\ngit clean [-d] [-f]"
    page = replace(passage(name_line, 7.0, section="NAME"), code=code_terms([], name_line))
    assert answerer(min_score=-100).answer(question, [page]).sentences[0][0] == (
        "git-clean - Remove untracked files from the working tree"
    )
    listing = (
        "Main porcelain commands\n\ngit-add(1)\n\nAdd file contents to the index.\n\ngit-clean(1)\n\nRemove untracked files."
    )
    pages = replace(passage(listing, 7.0, section="Main porcelain commands"), code=code_terms([], listing))
    extract = answerer(min_score=-100).answer(question, [pages])
    assert extract.sentences[0][0] == "git-clean(1)\n\nRemove untracked files."
    first = next(c for c in extract.considered if c.text.startswith("Add file"))
    assert first.named and first.judged.startswith("git-add(1)")  # the first item, though the heading stands before it
    # Without the page's form, the summaries name nothing that "which command" asks for.
    plain = replace(pages, code=frozenset())
    assert not answerer(min_score=-100).answer(question, [plain]).considered


def test_a_line_of_code_is_no_term_unless_the_block_before_it_is_whole() -> None:
    # A command that a sentence announces, or that a sentence runs on past, is part of that sentence, not a term.
    code = frozenset({"apt", "update"})
    for lead in ("To refresh the lists, run this:", "To refresh the lists, run"):
        text = f"{lead}\n\napt update\n\nThen reboot the machine after the upgrade."
        extract = answerer(min_score=-100).answer("What do I do after the upgrade?", [replace(passage(text, 7.0), code=code)])
        reboot = next(c for c in extract.considered if "reboot" in c.text)
        assert reboot.term < 0 and not reboot.judged.startswith("apt update")
    # Nor is a line of prose, a line of words the page never marks as code, or a line of code with a prompt, a comment
    # mark or an operator in it, nor a name above another one.
    lines = ("Update first", "$ apt update", "#!/bin/sh apt", '"apt" == "update"')
    for line in lines:
        text = f"The lists are old.\n\n{line}\n\nThen reboot the machine after the upgrade."
        extract = answerer(min_score=-100).answer("What do I do after the upgrade?", [replace(passage(text, 7.0), code=code)])
        assert all(c.term < 0 for c in extract.considered), line
    text = "The lists are old.\n\napt\n\nupdate\n\nThen reboot the machine after the upgrade."
    extract = answerer(min_score=-100).answer("What do I do after the upgrade?", [replace(passage(text, 7.0), code=code)])
    assert all(c.term < 0 for c in extract.considered)  # "update" is no description, and "apt" no whole block


def test_how_do_i_is_led_by_the_sentence_that_gives_the_command() -> None:
    # Both sentences are about locking an account and score alike; only one says how, with a command.
    text = "You may need to lock a user account for an investigation. This is done by running passwd -l with the user."
    how = answerer(min_score=-100).answer("How do I lock a user account?", [passage(text, 7.0)])
    scores = {c.text: c.score for c in how.considered}
    describes, command = (
        "You may need to lock a user account for an investigation.",
        "This is done by running passwd -l with the user.",
    )
    assert scores[describes] > scores[command], "the description scores higher ..."
    assert how.sentences[0][0] == command, "... but the command leads"
    why = answerer(min_score=-100).answer("Why would I lock a user account?", [passage(text, 7.0)])
    assert why.sentences[0][0] == describes  # not a "how do I" question: the scores alone decide


def test_which_x_is_led_by_a_sentence_that_names_an_x_not_one_that_counts_them() -> None:
    # The count shares more of the question's words and scores higher; the countries named (WordNet: Italy and Laos are
    # countries) answer "which countries". A question about one kind is not led by a name of another.
    text = (
        "After the COVID-19 outbreak, the medical expert teams China sent went to 34 countries in all. "
        "China has sent expert teams to several countries, including Italy, Serbia and Laos."
    )
    question = "Which countries did China send medical expert teams to?"
    extract = answerer(min_score=-100).answer(question, [passage(text, 7.0)])
    counted = next(c for c in extract.considered if "34 countries" in c.text)
    assert extract.considered[0] is counted  # the best score, as the rule finds it
    assert extract.sentences[0][0].startswith("China has sent expert teams to several countries, including Italy")
    rivers = "After the COVID-19 outbreak, the medical expert teams China sent went to 34 rivers. China also sent teams to Italy."
    assert quoted("Which rivers did China send medical expert teams to?", rivers)[0].startswith("After the COVID-19")


def test_what_is_x_is_led_by_the_sentence_that_defines_x() -> None:
    # Both sentences mention meta-packages; the one that repeats the question's words scores higher, and only the other
    # says what a meta-package is.
    text = (
        "A meta-package in Debian is installed to bring in a set of other Debian packages. "
        "Meta-packages are empty packages that only describe dependencies."
    )
    answerer_ = answerer(min_score=-100)
    answerer_.margin = 5.0  # the fake reranker's scale is wider than the real one's: both are close to the best
    what = answerer_.answer("What is a meta-package in Debian?", [passage(text, 7.0)])
    scores = {c.text[:4]: c.score for c in what.considered}
    assert scores["A me"] > scores["Meta"], "the mention scores higher ..."
    assert what.sentences[0][0].startswith("Meta-packages are empty"), "... but the definition leads"
    how = answerer_.answer("How is a meta-package in Debian installed?", [passage(text, 7.0)])
    assert how.sentences[0][0].startswith("A meta-package in Debian is installed")  # no definition asked


def test_a_version_is_quoted_only_from_a_passage_about_the_name_it_is_asked_of() -> None:
    question = "Which GNOME version ships with Debian bookworm?"
    debian = passage("Now that Debian version 11 is out, work on the next version, Bookworm, has begun.", 7.0)
    gnome = passage("GNOME is the default desktop environment.", 5.0, source="gnome.txt")  # GNOME, but no version
    assert not answerer(min_score=-100).answer(question, [debian, gnome]).sentences
    # The name may be said by the passage's title or headings, as a page of the Python docs is about Python.
    changed = "Changed in version 3.7: default value of repeat changed from 3 to 5."
    timeit = passage(changed, 7.0, title="timeit - Measure execution time", source="python-docs/library/timeit.html")
    answer = answerer(min_score=-100).answer("In which Python version did the default repeat change?", [timeit])
    assert answer.sentences and answer.sentences[0][0] == changed


def test_a_question_in_the_text_is_never_quoted_but_is_read_before_its_answer() -> None:
    # A FAQ repeats the user's question word for word; it shares every word and states nothing.
    text = "How can I find out what package produced a particular file? Run dpkg --search with the file name."
    extract = answerer(min_score=-100).answer("How can I find out what package produced a file?", [passage(text, 7.0)])
    assert [sentence for sentence, _ in extract.sentences] == ["Run dpkg --search with the file name."]
    (answer,) = extract.considered
    assert answer.before.startswith("How can I find out")  # the question is the answer's context
    # A sentence with a question mark inside it still states something.
    assert considered("What does it ask?", "It asks 'why?' of every rule. It asks nothing else.")[0].startswith("It asks")


def test_a_sentence_is_quoted_once_however_it_recurs() -> None:
    # The list item is quoted with the sentence that announces it, and again as a candidate of its own; the PDF copy
    # of the page writes the same sentence with typographic quotes.
    html = "There are two reasons to announce a package:\n\nIt tells the list that someone works on the package."
    pdf = "Set the field to \u2018sid\u2019 to track unstable."
    extract = answerer(min_score=-100).answer(
        "Why announce a package to the list?",
        [passage(html, 7.0), passage(pdf, 6.0, source="doc.pdf"), passage("Set the field to 'sid' to track unstable.", 5.0)],
    )
    quotes = [sentence for sentence, _ in extract.sentences]
    assert quotes[0].startswith("There are two reasons") and quotes[0].endswith("works on the package.")
    assert not any(q == "It tells the list that someone works on the package." for q in quotes)
    assert sum("to track unstable" in c.text for c in extract.considered) == 1


def test_the_sentence_right_before_the_best_one_is_read_first() -> None:
    # The best sentence says "these"; the one before it, also quoted, says what they are, so it comes first.
    lead = "What will the package tools do? Some packages are marked as Essential by the package tools."
    question = "What will the package tools refuse to remove?"
    extract = answerer(min_score=-100).answer(question, [passage(f"{lead} The package tools will refuse to remove these.", 7.0)])
    scores = {c.text[:4]: c.score for c in extract.considered}
    assert scores["The "] > scores["Some"], "the second sentence is the better answer ..."
    assert [sentence[:4] for sentence, _ in extract.sentences] == ["Some", "The "], "... and is read after the first"
    # A best sentence that points nowhere still leads.
    for plain in (
        "remove Essential packages.",
        "remove packages such as the Essential ones.",
        "remove Essential packages, note that.",
    ):
        extract = answerer(min_score=-100).answer(question, [passage(f"{lead} The package tools will refuse to {plain}", 7.0)])
        assert [sentence[:4] for sentence, _ in extract.sentences] == ["The ", "Some"], plain


def test_an_answer_between_the_bars_is_tentative_and_one_above_both_is_not() -> None:
    question = "How long is the lake in the northern valley?"
    extract = answerer().answer(question, [passage(LAKE, 1.0)])
    best = extract.considered[0].score
    assert extract.sentences and not extract.tentative  # the default sure bar (-0.5) is under this answer's score
    unsure = ExtractiveAnswerer(embedder=None, reranker=FakeReranker(), min_score=best - 1, sure_score=best + 0.01)  # type: ignore[arg-type]
    tentative = unsure.answer(question, [passage(LAKE, 1.0)])
    # The same sentences, only marked: the warning never changes what is quoted.
    assert tentative.sentences == extract.sentences and tentative.tentative
    assert not unsure.answer("Why do fishermen avoid the lake?", [passage(LAKE, 7.0)]).tentative  # a refusal is never tentative


def test_without_a_reranker_no_answer_is_judged_tentative() -> None:
    # Cosines are not calibrated log-odds: no bar applies to them, neither the answer bar nor the sure one.
    plain = ExtractiveAnswerer(embedder=FakeEmbedder(), reranker=None, sure_score=100.0)
    extract = plain.answer("How long is the lake in the northern valley?", [passage(LAKE, 0.9)])
    assert extract.sentences and not extract.tentative


def test_how_do_i_is_led_by_the_step_the_best_sentence_points_back_to() -> None:
    # The best sentence says what the step does "with this option"; the sentence before it names the option. Another
    # sentence that names a path scores higher than that one, and says nothing of the step.
    question = "How can I make dpkg ask the configuration questions again when reinstalling a package?"
    text = (
        "The --force-confask option makes dpkg ask the configuration questions. "
        "Thus, when reinstalling a package with this option, dpkg will ask the configuration questions again. "
        "See /usr/share/doc/dpkg for more."
    )
    answerer_ = answerer(min_score=-100)
    answerer_.margin = 5.0  # the fake reranker's scale is wider than the real one's: all three are close to the best
    extract = answerer_.answer(question, [passage(text, 7.0)])
    scores = {c.text[:4]: c.score for c in extract.considered}
    assert scores["Thus"] > scores["See "] > scores["The "], "the option's own sentence scores lowest ..."
    assert [sentence[:4] for sentence, _ in extract.sentences[:2]] == ["The ", "Thus"], "... and leads the one that points to it"


def test_constructor_bars_are_the_settings_defaults() -> None:
    """An answerer built without bars answers as an unconfigured Citewise does: the defaults live in Settings only.

    (The declared defaults, so a CITEWISE_* variable in the environment changes nothing here.)
    """
    built = ExtractiveAnswerer(embedder=None, reranker=FakeReranker())  # type: ignore[arg-type]
    assert (built.min_score, built.min_follow_up_score, built.sure_score, built.max_sentences) == (
        DEFAULTS["min_answer_score"],
        DEFAULTS["min_follow_up_score"],
        DEFAULTS["sure_answer_score"],
        DEFAULTS["answer_sentences"],
    )


def test_a_question_dated_by_a_year_is_answered_only_from_a_passage_that_states_it() -> None:
    text = "As of 2015, TAI is exactly 36 seconds ahead of UTC. The offset grows with each leap second."
    question = "By how many seconds has TAI been ahead of UTC since 2016?"
    assert considered(question, text) == []  # the passage is about 2015
    assert considered(question.replace("2016", "2015"), text) == ["As of 2015, TAI is exactly 36 seconds ahead of UTC."]
    # The year need not stand in the answering sentence: the passage names what it dates, and later sentences say more.
    dated = "The last leap second was added in 2016. It was announced early. Since then TAI has been 37 seconds ahead of UTC."
    assert "Since then TAI has been 37 seconds ahead of UTC." in considered(question, dated)
    # A number with a unit is no year: "2000 MiB" dates nothing.
    assert considered("How many files of 2000 MiB does it make?", "It makes 3 files of 2000 MiB.") != []
