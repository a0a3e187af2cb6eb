"""What a question asks for, and which sentences state it: the extractive answerer's guard against off-target quotes."""

from __future__ import annotations

import doctest

import pytest

import assistant.shapes
import index.lexicon
from assistant.shapes import asking_words, shape_of
from index.lexicon import action_forms, is_irregular_plural, kinds_of, lemma, synonyms, verb_lemmas
from index.text import stem


@pytest.mark.parametrize(
    ("question", "kind", "counted"),
    [
        ("How many specialists were in the group?", "count", {"speci"}),
        ("To how many countries and regions has China sent aid?", "count", {"count", "regio"}),
        ("How many teams of medical experts did China dispatch?", "count", {"team"}),
        ("How many bits does the code point range need?", "count", {"bit"}),  # the plural folds: "21 bit"
        ("How many Chinese medical workers died while abroad?", "count", {"worke"}),
        ("How many people did they train?", "count", set()),
        ("How much money did China donate to the WHO?", "money", set()),
        ("How much will the railroad cost?", "money", set()),
        ("How much aid did China give?", "number", set()),
        ("In what year did the first team leave?", "year", set()),
        ("When did the team return?", "date", set()),
        ("When can I rely on identity tests?", "other", set()),
        ("When I edit a module, why does nothing change?", "other", set()),
        ("For how long has China sent teams?", "number", set()),
        ("Who is the minister of health?", "name", set()),
        ("Which countries received expert teams?", "name", set()),
        ("In which city were the experts?", "name", set()),
        ("Which is faster, lists or tuples?", "other", set()),
        ("What principle does the aid follow?", "other", set()),
        # An opening clause or adverb does not change what is asked.
        ("When probing the MTU with ping, how many bytes must be added?", "count", {"byte"}),
        ("Roughly how many messages are sent a year?", "count", {"messa"}),
        # So do sentences that set the scene before the question (not an abbreviation's full stop).
        ("My PC has Secure Boot turned on. Which package must be installed?", "name", {"pack"}),
        ("The server was moved last week! How many users lost mail?", "count", {"user"}),
        ("Can I use e.g. which option?", "other", set()),
        ("Which option sets how many lines are shown?", "name", {"opti"}),  # asks for an option, counts nothing
        ("How many bits wide is the code point range?", "count", {"bit"}),  # the dimension ends the phrase
        # A measure asked for by name, or by its dimension.
        ("What is the maximum size of a file on ext4?", "number", set()),
        ("What inode size does mkfs.ext4 use by default?", "number", set()),
        ("At what temperature does water freeze?", "number", set()),
        ("How deep is the lake?", "number", set()),
        # Clauses before a colon or a semicolon, as before a comma, do not hide the question.
        ("I'm on the desktop: which package provides the DHCP server?", "name", {"pack"}),
        ("It runs at 10:30, every day; how many jobs run?", "count", {"job"}),
        ("At 10:30, how many jobs run?", "count", {"job"}),
        ("How long-running are the jobs?", "other", set()),
        ("What does the depth of the lake depend on?", "other", set()),
        ("In which areas does Kyrgyzstan want cooperation?", "name", {"area"}),
        # A "which" after a comma in a question another word asks opens a relative clause; after a condition it asks.
        ("Why does Bash treat 0 as success, which seems backwards?", "other", set()),
        ("How did the aid arrive, which took weeks?", "other", set()),
        ("When a program is killed, which status does Bash report?", "name", {"stat"}),
        ("Once a pipeline has finished, which variable holds every exit code?", "name", {"vari"}),
    ],
)
def test_classifies_what_a_question_asks_for(question: str, kind: str, counted: set[str]) -> None:
    shape = shape_of(question)
    assert shape.kind == kind
    assert shape.counted == counted


@pytest.mark.parametrize(
    ("question", "sentence", "states"),
    [
        # A count is a number next to the counted thing, on either side, never a date.
        ("How many specialists were in the group?", "The group of 10 specialists returned.", True),
        ("How many specialists were in the group?", "The number of specialists in the group was 10.", True),
        ("How many specialists were in the group?", "The group held 40 conferences.", False),
        ("How many specialists were in the group?", "On April 27 the specialists returned.", False),
        ("How many cases did Kyrgyzstan have in 2020?", "In 2020 Kyrgyzstan reported cases.", False),
        ("How many cases did Kyrgyzstan have in 2020?", "Kyrgyzstan had 300 cases in 2020.", True),
        ("How many groups were honoured?", "Thirty outstanding groups were honored.", True),
        ("How many cases were there?", "COVID-19 cases rose.", False),
        # Money needs a currency.
        ("How much money did China donate?", "China donated 20 million dollars to the WHO.", True),
        ("How much money did China donate?", "China donated $5m.", True),
        ("How much money did China donate?", "The two countries agreed to cooperate.", False),
        # A year question needs a year the question does not already state.
        ("In what year did the first team leave?", "The first team left in 1963.", True),
        ("In what year did the first team leave?", "It marks the 60th anniversary of the first team.", False),
        ("When did the team return?", "The team returned on April 27.", True),
        ("When did the team return?", "The team returned to China.", False),
        # A year before 1500 where it reads as one: after a month, with an era, after "in" with nothing it could count.
        ("In what year was the abbey founded?", "The abbey was founded in 1132 by Cistercian monks.", True),
        ("In what year was the abbey founded?", "The abbey has 1132 monks.", False),
        ("In what year did the battle take place?", "The battle was fought on 14 October 1066.", True),
        ("In what year did the battle take place?", "The battle was fought on October 14, 1066, near Hastings.", True),
        ("When did Rome fall?", "Rome fell in 476.", True),
        ("When did Rome fall?", "Rome fell to 300 soldiers.", False),
        ("When was the city founded?", "The city was founded in AD 632.", True),
        ("When was the city founded?", "The city was founded in 44 BC.", True),
        ("What is the population of the city?", "The city was founded in 1200.", False),
        ("What is the population of the city?", "The city has a population of 1200.", True),
        ("How many monks lived there?", "It was founded in 1132 by monks.", False),
        # Any count answers "how many people", but a measure counts nothing; a bare number is no one and nowhere.
        ("How many people died in the fire?", "The fire burned for 3 days.", False),
        ("How many people died in the fire?", "The fire killed 12 people.", True),
        ("How many people live in the town?", "The town covers 12 square miles.", False),
        ("How many times did she win?", "She won 3 times.", True),
        ("How many times did she win?", "She trained for 5 years.", False),
        ("Where did he die?", "He died in 1950.", False),
        ("Where did he die?", "He died in Paris in 1950.", True),
        ("Who won the race?", "The race was won by 3 seconds.", False),
        ("Who won the race?", "The race was won by Smith.", True),
        # A name right before the asked action is its doer, a one-word name opening the sentence too.
        ("Who designed the cathedral?", "Gaudí designed the cathedral.", True),
        ("Who painted the ceiling?", "Michelangelo painted the ceiling between 1508 and 1512.", True),
        ("Who painted the ceiling?", "Michelangelo studied in Florence.", False),
        ("Who designed the cathedral?", "He designed the cathedral.", False),
        ("Who designed the cathedral?", "Engineers designed the cathedral.", False),
        ("Who wrote the novel?", "Dickens wrote the novel in 1845.", True),
        ("Who wrote the novel?", "Orwell said the novel was hard.", False),
        # A light verb's object names the action ("gave it a name": named), after a sentence that sets the scene.
        ("The debugger was named after a tool. Who gave it that name?", "Peter Samson says he named it after one.", True),
        ("The debugger was named after a tool. Who gave it that name?", "Peter Samson says he wrote it.", False),
        ("Who took the photograph?", "The photograph was taken by Dwight Hooker.", True),
        ("Who took the photograph?", "It was photographed by Dwight Hooker.", True),
        ("Who took the photograph?", "It was printed by Dwight Hooker.", False),
        ("Where in a heap is the smallest item?", "The smallest item is heap[0].", True),
        # An acronym's expansion is asked: words that its letters begin, "of" and "the" free to be left out.
        ("What does NTP stand for?", "NTP (Network Time Protocol) keeps clocks in sync.", True),
        ("What does NTP stand for?", "NTP runs on port 123.", False),
        ("What does the abbreviation RHSBL, used by Postfix, stand for?", "An RHSBL is a Right-Hand Side Black List.", True),
        ("What is FBI short for?", "He joined the Federal Bureau of Investigation.", True),
        ("What does KIBO mean as an acronym?", "[acronym] Knowledge In, Bullshit Out.", True),
        ("GPL is an abbreviation of what?", "GPL is a licence.", False),
        ("What does NTP stand for?", "NTP traffic passes through.", False),  # the acronym itself starts no expansion
        ("What is COBOL short for?", "COBOL, COmmon Business-Oriented Language, is old.", True),  # a word's first letters
        # Five letters or more may leave other words out; the strings of a shorter one are too often spelled by chance.
        ("What does MUMPS stand for?", "Massachusetts General Hospital Utility Multi-Programming System.", True),
        ("What does NTP stand for?", "Network traffic is the main problem.", False),
        ("What does PXE stand for?", "That could be pxelinux, GRUB, or even Linux.", False),  # a name after the acronym
        ("What does the name Sid stand for?", "Sid is the unstable distribution.", True),  # not in capitals: any sentence
        # "Who" and "which" want a name, acronym or code the question does not already hold.
        ("Who is the minister of health?", "The minister, Ma Xiaowei, spoke.", True),
        ("Which upcoming meeting is China getting ready for?", "China prepares for the meeting of G20 health ministers.", True),
        ("Which news agency did the embassy tell?", "The embassy told 24.kg news agency.", True),
        ("Which vaccine did China deliver to Kyrgyzstan?", "China and Kyrgyzstan will overcome the pandemic.", False),
        # "Which X" wants a name next to an X: not a name elsewhere in the sentence.
        ("Which vaccine did China deliver?", "China delivered the Sinovac vaccine.", True),
        (
            "Which vaccine did China deliver?",
            "China leads in vaccine research and development, and will help, said Jeenbekov.",
            False,
        ),
        ("Which railway does Kyrgyzstan want?", "It wants the railroad between China, Kyrgyzstan and Uzbekistan.", True),
        ("Which city hosted the experts?", "The experts worked in Bishkek.", True),
        (
            "In which areas does Kyrgyzstan want to expand cooperation?",
            "Kyrgyzstan wants cooperation in investment, energy, transport and medicine, and to explore new areas.",
            True,
        ),
        ("Which area does Kyrgyzstan want to expand?", "It wants to explore new areas, he said, and more.", False),
        ("Who spoke at the event?", "Speakers praised the teams.", False),
        # A number of another dimension does not measure the one asked; a number of no stated dimension may.
        ("How deep is the lake?", "The lake is 12 km long and 3 km wide.", False),
        ("How deep is the lake?", "The lake reaches a depth of 300 m.", True),
        ("How deep is the lake?", "The lake is 300 m.", True),
        ("How long is the bridge?", "The bridge is 1.2 km long and 30 m wide.", True),
        ("How tall is the tower?", "The tower stands on a 40 m wide base.", False),
        # A number in units of another dimension does not measure what is asked; a number with no unit may.
        ("How much memory did the PDP-7 have?", "It had a memory cycle time of 1.75 microseconds.", False),
        ("How much memory did the PDP-7 have?", "Its standard memory was 4096 18-bit words.", True),
        ("How much memory did the PDP-7 have?", "It had 8K words of core.", True),
        ("How much memory did the PDP-7 have?", "It shipped with 64KB.", True),
        ("How much memory did the PDP-7 have?", "Access took 100ms at 2.5GHz.", False),
        ("How much memory did the PDP-7 have?", "It had 4096 of them.", True),
        ("How much memory did the PDP-7 have?", "It was sold in 3D boxes with a type 555 drive.", False),
        ("At what clock speed did the IBM 704 run?", "It held 32k words of 36 bits each.", False),
        ("At what clock speed did the IBM 704 run?", "Its clock ran at 12 kHz.", True),
        ("How fast can Kermit transfer a file?", "Kermit was written in 1981 for 2 machines.", True),
        ("What transfer speed does Kermit reach?", "Kermit took 2 years to write.", False),
        ("How fast does the system boot?", "It boots in 5 seconds.", True),
        ("How long is an IPv4 header?", "The header is 20 bytes.", True),
        ("How long does a socket wait before it times out?", "The timeout is 10 seconds.", True),
        ("How long is the tunnel?", "The tunnel is 5 km.", True),
        ("How long is the tunnel?", "The tunnel weighs 5 tons.", False),
        ("How wide were the memory words?", "The 704 had 36-bit words.", True),
        ("How heavy is the engine?", "The engine is 3 metres long and weighs 2 tons.", True),
        ("How much software is on the DVD?", "The DVD holds 4.5 GB of software.", True),
        # Power, energy, area, volume and temperature are measures too, each in its own units.
        ("How heavy is the engine?", "The engine produces 500 horsepower.", False),
        ("How powerful is the engine?", "The engine weighs 2 tonnes.", False),
        ("How powerful is the engine?", "The engine delivers 373kW.", True),
        ("How powerful is the engine?", "The engine delivers 500 hp.", True),  # "hp" is no unit: "3 HP printers"
        ("How much processing power did it have?", "It ran at 10 MIPS.", True),
        ("What is the area of the park?", "The park is 12 km long.", False),
        ("What is the area of the park?", "The park covers 40 hectares, or 3 square miles.", True),
        ("What is the volume of the tank?", "The tank is 2 metres deep.", False),
        ("What is the volume of the tank?", "The tank holds 500 litres.", True),
        ("How hot does Venus get?", "Venus is 108 million km from the Sun.", False),
        ("How hot does Venus get?", "Its surface reaches 464 °C.", True),
        ("How cold does it get in winter?", "It drops to 40 degrees Fahrenheit.", True),
        ("How much energy does the plant produce?", "The plant covers 40 hectares.", False),
        ("How much energy does the plant produce?", "The plant produces 2 TWh a year.", True),
        ("How many engines does the plane have?", "Each engine gives 500 kilowatts.", False),
        ("How many engines does the plane have?", "It has 4 engines of 500 kW each.", True),
        ("How many printers did they buy?", "They bought 3 HP printers.", True),
        # A length or an amount per unit of time is a rate; two years bound how long something went on.
        ("What is the speed of light?", "Light travels at 299,792 km per second.", True),
        ("How fast can the train go?", "It runs at 300 kilometres an hour.", True),
        ("How far is the moon?", "The moon moves at 1 km per second.", False),
        ("How long did the reign last?", "He reigned from 1509 to 1547.", True),
        ("How long did the war last?", "The war (1939–1945) was long.", True),
        ("How long did the war last?", "The war began in 1939.", False),
        ("How long is the bridge?", "The bridge was built from 1929 to 1932.", False),
        # A number counts the plural right after it: "four cameras" counts no satellites.
        ("How many satellites were launched?", "Each satellite carried four cameras.", False),
        ("How many satellites were launched?", "They launched 12 new satellites.", True),
        ("How many doses did China send?", "China sent 10 million doses.", True),
        ("How many vaccines did China send?", "China sent 10 million doses of vaccines.", True),
        ("How many satellites were launched?", "In 5 years, satellites were launched.", False),
        # A number in a unit measures; it counts only the units a question asks for.
        ("How many files can an archive hold?", "It handles archive files of more than 4 GiB.", False),
        ("How many files can an archive hold?", "An archive holds at most 65,535 files.", True),
        ("How many satellites were launched?", "The 12 satellites weighed 200 kg each.", True),
        ("How many bytes does the header take?", "The header takes 20 bytes.", True),
        ("How many years did the port take?", "The port took 3 years.", True),
        # A number in a name is no quantity, unless the question names the label.
        ("What is the default protocol number?", "Changed in version 3.10: the protocol changed.", False),
        ("What is the default protocol number?", "The default protocol is 3.", True),
        ("What is the length of the name?", "It ships with Python 3.11.", False),
        ("What version number is current?", "It is now version 3.11.", True),
        # After "by", a document or a version is no one.
        ("Who designed the format?", "It is specified by RFC 7159 and by ECMA-404.", False),
        ("Who designed the format?", "It was designed by Crockford.", True),
        # "Where" wants a place or a path the question does not already name.
        ("Where was he born?", "He was born in Lyon in 1950.", True),
        ("Where was he born?", "He was born in a small village.", False),
        ("Where is Lyon?", "Lyon is a large city.", False),
        ("Where does aptitude keep a user's configuration?", "It reads ~/.aptitude/config at start.", True),
        # "One" after a determiner is a pronoun, no quantity.
        ("How often is a new release made?", "The former release becomes Oldstable and the one before Oldoldstable.", False),
        ("How often is a new release made?", "Each one gets security support from the team.", False),
        ("How often is a new release made?", "Debian makes no release until the next one is ready.", False),
        ("How many releases are supported at a time?", "Only one release is supported.", True),
        # Other questions take any sentence.
        ("What principle does the aid follow?", "Aid follows the principle of doing our best.", True),
    ],
)
def test_a_sentence_states_the_answer_only_in_its_shape(question: str, sentence: str, states: bool) -> None:
    assert shape_of(question).states(sentence) is states


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        ("Which clock does timeit use by default?", "Changed in version 3.3: perf_counter() is now the default timer."),
        ("Which folder caches compiled modules?", "Python caches the compiled version of each module in __pycache__ under it."),
        ("Which macro runs a command once at boot?", "To run a command once after booting, use the @reboot macro in crontab."),
        ("Which option enables a foreign architecture?", "Run dpkg with --add-architecture and the architecture's name."),
        (
            "Which variable should point at your text program?",
            "Most tools start the program named in $visual, as set in your profile.",
        ),
    ],
)
def test_lower_case_identifiers_name_an_answer(question: str, sentence: str) -> None:
    # Technical answers are identifiers, not capitalised names: a function, a folder, a macro, an option, a variable.
    assert shape_of(question).loosened().states(sentence)
    assert not shape_of(question).loosened().states("It is described in the section on timers and their defaults.")


def test_the_worked_example_holds() -> None:
    results = doctest.testmod(assistant.shapes)
    assert results.attempted >= 2 and results.failed == 0


def test_a_loosened_shape_forgets_only_the_named_kind() -> None:
    shape = shape_of("In which directory are AppArmor profiles stored?")
    sentence = "AppArmor profiles are stored in /etc/apparmor.d/ and list access rules."
    assert shape.kind == "name" and shape.counted and not shape.states(sentence)  # "directory" is not repeated
    assert shape.loosened().states(sentence) and shape.loosened().kind == "name"


def test_an_identifier_answers_unless_the_question_holds_it_whole() -> None:
    # "time.perf_counter" shares a stem with "timeit", but it is not the question's word.
    shape = shape_of("Which clock does timeit use by default?")
    assert shape.loosened().states("The default timer, which is always time.perf_counter().")
    echo = shape_of("Which clock does timeit_run use by default?").loosened()
    assert not echo.states("By default timeit_run picks the clock.")  # only the question's own identifier


def test_a_count_meets_its_noun_in_the_singular_and_in_compounds() -> None:
    shape = shape_of("How many DVDs would the archive fill?")
    assert shape.states("It would take 18 DVD-ROMs to hold it all.")
    assert not shape.states("It would take 18 hours to copy it all.")


@pytest.mark.parametrize(
    ("question", "sentence", "counts"),
    [
        ("How many storeys does the hotel have?", "It is a 40-floor hotel in the city centre.", True),  # a synonym
        ("How many storeys does the hotel have?", "The hotel has 40 floors and a roof garden.", True),
        ("How many floors does the tower have?", "It is a 40-storey tower.", True),  # either way round
        ("To how many countries were doses sent?", "Doses went to 40 nations.", True),
        ("How tall is the tower?", "It is a 300-metre tower.", True),  # a number that begins a compound
        ("How many newsgroups were there?", "The number of groups had grown to over 37,000.", True),  # a head
        ("How many kilometres long is it?", "It is 300 metres long.", False),  # a compound WordNet knows is not split
        ("How many storeys does the hotel have?", "The 5-star hotel opened its doors to 300 guests.", False),
        ("How many satellites were launched?", "Each satellite carried four cameras.", False),
        ("How many cases were recorded?", "COVID-19 spread from 2020-04-29 on.", False),  # names and dates
    ],
)
def test_a_count_meets_its_nouns_synonyms_and_number_compounds(question: str, sentence: str, counts: bool) -> None:
    assert shape_of(question).states(sentence) is counts


@pytest.mark.parametrize(
    ("question", "counted"),
    [
        ("How many people took part in the march?", set()),  # people: any count ("2,000 marchers")
        ("How many people live in the city?", set()),
        ("How many countries got vaccines?", {"count"}),  # not the vaccines: a verb with no "-ed" ends the phrase
        ("How many soldiers fell in the battle?", {"soldi"}),
        ("How many students attend the school?", {"stude"}),
        ("How many children does he have?", {"child"}),  # an irregular plural
        ("How many masks and ventilators were sent?", {"mask", "venti"}),  # a plural and another
        ("How many time zones are there?", {"zone"}),  # "time" is no plural
    ],
)
def test_a_count_counts_the_first_plural_after_how_many(question: str, counted: set[str]) -> None:
    assert shape_of(question).counted == counted


@pytest.mark.parametrize(
    ("question", "asked", "plural"),
    [
        # The verb ends a "which X" phrase: it is followed by its object (a determiner, a name, a path).
        ("Which Debian package provides the DHCP server?", {"pack"}, False),
        ("Which package ships /usr/bin/sponge?", {"pack"}, False),
        ("Which packages provide a DHCP client?", {"pack"}, True),
        ("Which Debian releases ship GNOME 43?", {"rele"}, True),
        ("Which railway connects China and Europe?", {"rail"}, False),
        # A plural noun is followed by its verb, and stays what is asked for.
        ("Which options does ls take?", {"opti"}, True),
        ("Which vice premier spoke at the event?", {"vice", "prem", "spok"}, False),
        ("Which boot-loader does Debian use?", {"boot"}, False),  # a compound is one word of the phrase
        ("Which command-line tool lists the packages?", {"comm", "tool"}, False),
        # A verb is followed by an object pronoun, or, in "-s", by a clause; a hyphenated verb ends it too.
        ("Which module lets me tie an array to a database?", {"modu"}, False),
        ("Which novel got him the prize?", {"nove"}, False),
        ("Which keys take me to the console?", {"key"}, True),
        ("Which option changes where checkouts get cloned?", {"opti"}, False),
        ("Which setting limits how many edges a graph shows?", {"sett"}, False),
        ("Which parameter decides whether Postfix uses IPv6?", {"para"}, False),
        ("Which function re-runs the check?", {"func"}, False),
        # A phrasal verb: an irregular past before its particle, or a verb's "-s" after a noun in the singular, ends it;
        # a plural noun before a preposition does not.
        ("Which pip command writes out a requirements file?", {"comm", "pip"}, False),
        ("Which designer went on to found the company?", {"desi"}, False),
        ("Which psychiatrist came up with the word autism?", {"psyc"}, False),
        ("Which boot parameter turns off the automatic login?", {"boot", "para"}, False),
        ("Which config files in /etc hold the settings?", {"conf", "file"}, True),
        ("Which log files on the server grow fastest?", {"log", "file"}, True),
    ],
)
def test_a_which_phrase_ends_at_its_verb(question: str, asked: set[str], plural: bool) -> None:
    shape = shape_of(question)
    assert (shape.counted, shape.plural) == (asked, plural)


@pytest.mark.parametrize(
    ("question", "sentence", "answers"),
    [
        ("Which Debian version do the servers run?", "The council runs its servers on Debian 11.", True),
        ("Since which Debian release is no MTA needed?", "A workstation needs no MTA after Debian 12.", True),
        ("Which Debian version do the servers run?", "The council runs its servers on Debian.", False),  # no version
        ("Which Debian 11 version do the servers run?", "The servers run Debian 11.", False),  # the question's own
        ("Which vaccine did the council buy?", "The council runs Debian 11.", False),  # no version asked for
    ],
)
def test_a_which_version_question_is_answered_by_its_name_with_a_number(question: str, sentence: str, answers: bool) -> None:
    assert shape_of(question).states(sentence) is answers


def test_synonyms_are_the_first_sense_of_a_noun_both_ways() -> None:
    assert {"floor", "story"} <= synonyms("storeys") and "storey" in synonyms("floor")
    assert "nation" in synonyms("countries") and lemma("countries") == "country" and lemma("boxes") == "box"
    assert synonyms("Aachen") == frozenset() and synonyms("") == frozenset()  # names and nothing have none
    assert is_irregular_plural("children") and is_irregular_plural("People") and not is_irregular_plural("child")
    assert lemma("children") == "child" and "kid" in synonyms("children")  # an irregular plural finds its noun
    results = doctest.testmod(index.lexicon)
    assert results.attempted >= 2 and results.failed == 0


def test_a_verb_is_known_in_any_form_with_the_words_that_state_its_action() -> None:
    assert verb_lemmas("wrote") == ("write",) and verb_lemmas("planned") == ("plan",) and verb_lemmas("Leads") == ("lead",)
    assert set(verb_lemmas("found")) == {"find", "found"}  # an irregular form that is a verb of its own too
    assert verb_lemmas("final") == () and verb_lemmas("") == ()
    assert {"designed", "designing", "designer", "designers"} <= action_forms("design")
    assert {"author", "authors"} <= action_forms("write")  # the doer's synonym
    assert "aim" not in action_forms("design")  # the synonyms of the verb's own noun drift ("design" ~ "aim"): left out


@pytest.mark.parametrize(
    ("sentence", "names_someone"),
    [
        ("It was written by Skip Montanaro in 2003.", True),  # a name of two words
        ("Author: Andrew Dalke and Raymond Hettinger", True),
        ("The church was designed by Gaudí.", True),  # one word after "by"
        ("The package is maintained by the CPython core developers.", True),
        ("The csv module implements classes to read and write tabular data in CSV format.", False),  # an acronym
        ("It supports the IANA time zone database as specified in PEP 615.", False),
        ("Benoît is the upstream author of dblatex.", False),  # one capitalised word: not enough to be sure
        # A determiner that opens the sentence is no part of a name, nor is a word after "by" that names code.
        ("The Python module csv reads and writes tabular data.", False),
        ("The configuration is now provided by mod_log_config.", False),
        ("It was rewritten by Guido van Rossum.", True),
    ],
)
def test_a_who_question_is_answered_only_by_someones_name(sentence: str, names_someone: bool) -> None:
    # Asked who someone is, not what they did (see the test below): the name alone decides.
    assert shape_of("Who is the author of the csv module?").states(sentence) is names_someone


@pytest.mark.parametrize(
    ("question", "sentence", "answers"),
    [
        # Someone named for another reason does not answer.
        (
            "Who designed the JSON format?",
            "JSON, specified by RFC 7159, is a format inspired by JavaScript Object Notation.",
            False,
        ),
        ("Who did Allan Dwan marry?", "He was the son of Joseph Michael Dwan and his wife Mary Jane Dwan.", False),
        ("who led the team?", "Chinese President Xi Jinping on Friday met with representatives of the team.", False),
        (
            "Who hosted the first Academy Awards?",
            "The first Academy Awards were presented at the Hollywood Roosevelt Hotel.",
            False,
        ),
        # The action stated: as the verb, its irregular form, the doer, or the doer's synonym.
        ("Who designed Caml Light?", "In 1990 Xavier Leroy and Damien Doligez designed a new implementation.", True),
        ("Who did Allan Dwan marry?", "In 1915 he married the actress Pauline Bush.", True),
        ("Who wrote the socket HOWTO?", "It was written in 1999 when Gordon McMillan worked at Pfizer.", True),
        ("Who wrote the socket HOWTO?", "Author: Gordon McMillan", True),
        ("Who founded Microsoft?", "Paul Allen, its co-founder, left in 1983.", True),
        # Or someone named as the one who did what the sentence says.
        ("Who created Ruby?", "A fully object oriented interpreted scripting language by Yukihiro Matsumoto.", True),
        ("who led the team?", "The team leader, Liang Wannian, said the outbreak was under control.", True),
        # A passive names who did its own verb, not the action asked, even when the sentence has that action's word
        # elsewhere.
        ("Who owned Bletchley Park?", "Bletchley Park produced intelligence used by the Allies.", False),
        ("Who wrote the csv module?", "It lets you say “write this data in the format preferred by Excel”.", False),
        ("Who wrote the csv module?", "Write data in a format inspired by Microsoft Excel.", False),  # the whole name
        ("Who wrote the csv module?", "It was written by Skip Montanaro and inspired by Microsoft Excel.", True),
        ("Who designed the cathedral?", "It was designed by the architect Antoni Gaudí.", True),
        # The action in either spelling, British or American.
        ("Who popularised the term?", "[popularized by Eugene Brooks c.1990] A fast machine.", True),
        ("Who organized the event?", "It was organised by Ada Lovelace and Charles Babbage.", True),
        ("Who wrote Moby-Dick?", "by Herman Melville, 1851.", True),  # "by" opens the sentence (a list's item)
        ("Who wrote Moby-Dick?", "by the Harper brothers, 1851.", True),
        # A question that asks who someone is has no action: any name of someone may answer.
        ("Who was the chief architect of the System/360?", "Gene Amdahl is generally acknowledged as its chief architect.", True),
        ("Who was behind the Internet worm?", "The November 1988 worm was perpetrated by Robert T. Morris.", True),
    ],
)
def test_a_who_question_is_answered_by_who_did_what_it_asks(question: str, sentence: str, answers: bool) -> None:
    assert shape_of(question).states(sentence) is answers


def test_the_action_is_read_from_the_verb_after_who() -> None:
    assert {"designed", "designer"} <= shape_of("Who first designed the JSON format?").action  # past an adverb
    assert {"won", "winner"} <= shape_of("Who has won the most titles?").action
    assert {"elected", "elect"} <= shape_of("Who was elected president in 1990?").action  # a passive
    assert {"married", "marriage"} <= shape_of("Who did Allan Dwan marry?").action  # after the subject
    for question in ("Who was the chief architect?", "Who is responsible for the archive?", "To whom did Oracle hand it?"):
        assert shape_of(question).action == frozenset(), question


@pytest.mark.parametrize(
    "question",
    ["Who came up with the Forth programming language?", "Who first put forward the idea?", "Who has come up with it?"],
)
def test_a_phrasal_verbs_action_is_not_its_verbs(question: str) -> None:
    # "came up with" is not "come": the verb table holds single words, so the action is not known and any doer answers.
    shape = shape_of(question)
    assert shape.agent and shape.action == frozenset()
    assert shape.states("Forth was invented by Charles H. Moore around 1970.")
    assert not shape.states("Forth is a stack-based language with few rules.")


def test_someone_is_never_written_as_code() -> None:
    # Apache's pages mark each directive as code: "provided by LogLevel" names a directive, not an author.
    shape = shape_of("Who is the author of the mod_rewrite module?")
    sentence = "These directives were replaced with the configuration provided by LogLevel."
    assert shape.states(sentence) and not shape.states(sentence, frozenset({"loglevel"}))


@pytest.mark.parametrize(
    ("question", "sentence", "answers"),
    [
        # The kind asked is not said, but the name is one: WordNet knows Trotsky as a revolutionary, the Danube as a
        # river and Lisp as a language.
        ("Which Soviet revolutionary is the pig Snowball based on?", "He is mainly based on Leon Trotsky.", True),
        ("Which river flows through Vienna?", "Vienna lies on the Danube.", True),
        ("In which language are the higher levels of Emacs programmed?", "They are programmed in Emacs Lisp.", True),
        # A name of another kind, or one WordNet does not know, does not answer unless the kind is said beside it.
        ("Which river flows through Vienna?", "Vienna was the seat of Maria Theresa.", False),
        ("Which river flows through Vienna?", "Vienna lies on the Wien.", False),
        ("Which river flows through Vienna?", "Vienna lies on the river Wien.", True),
        # A question that names a kind of name ("country", "person") takes any new name, as before.
        ("Which country did he visit first?", "He went to Ruritania.", True),
    ],
)
def test_a_which_question_is_answered_by_a_name_of_the_kind_asked(question: str, sentence: str, answers: bool) -> None:
    assert shape_of(question).states(sentence) is answers


def test_a_names_kinds_are_wordnets_few_steps_above_it_in_any_case() -> None:
    assert {"river", "stream"} <= kinds_of("Danube") and "revolutionary" in kinds_of("Trotsky")
    assert kinds_of("Lisp") == kinds_of("LISP") == frozenset({"language"})  # WordNet writes "LISP"
    assert "entity" not in kinds_of("Trotsky")  # not so far up that every name is anything
    assert kinds_of("lisp") == kinds_of("Lisp")  # looked up in lower case, but only names are in the table
    assert kinds_of("Memcheck") == frozenset() and kinds_of("") == frozenset()


def test_a_which_question_still_takes_any_new_name() -> None:
    # "Which" asks for a thing, which may well be an acronym.
    assert shape_of("Which format does the module read?").states("The module reads the CSV format.")


@pytest.mark.parametrize(
    ("question", "procedure"),
    [
        ("How do I lock a user account?", True),
        ("How can one list the open connections?", True),
        ("How to swap a file name's extension?", True),
        ("What do I type to get a sane console back?", True),
        ("How does cron work?", False),
        ("How many users are there?", False),
        ("Why lock an account?", False),
    ],
)
def test_a_how_do_i_question_asks_for_a_way(question: str, procedure: bool) -> None:
    assert shape_of(question).procedure is procedure


def test_a_way_is_given_by_a_command_the_question_does_not_hold() -> None:
    shape = shape_of("How do I lock an account with passwd?")
    assert shape.gives_step("Run passwd -l user.", frozenset({"passwd"}))  # the option is new
    assert not shape.gives_step("Use passwd for that.", frozenset({"passwd"}))  # only the question's own command
    assert not shape.gives_step("A locked account cannot log in.")


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("What is the name of the sorting algorithm Python uses?", "name"),
        ("What's the codename of Debian 12?", "name"),
        ("What are the names of the two daemons?", "name"),
        ("What is the default editor called?", "name"),
        ("What is returned when the function is called?", "other"),  # "called" here is not what it is named
        ("What is the default value of the name argument?", "other"),
    ],
)
def test_what_is_the_name_of_asks_for_a_name(question: str, kind: str) -> None:
    assert shape_of(question).kind == kind


def test_a_name_asked_for_is_one_the_question_does_not_hold() -> None:
    shape = shape_of("What is the name of the ship Magellan sailed in?")
    assert not shape.states("Magellan sailed west with five ships.")
    assert shape.states("Magellan sailed in the Trinidad.")


def test_an_adverb_ends_a_which_phrase() -> None:
    # "first" says when, not what is asked for: "first ... PEP 572" must not answer "which version".
    shape = shape_of("Which version first introduced the walrus operator?")
    assert shape.counted == frozenset({"vers"})
    assert not shape.states("The walrus operator was first discussed in PEP 572.")
    assert shape.states("The walrus operator arrived in version 3.8.")


def test_a_version_is_asked_of_the_name_before_it_or_after_of() -> None:
    # "Which GNOME version" asks for GNOME's version (tests/test_answerability.py: only passages about GNOME answer).
    assert shape_of("Which GNOME version ships with Debian bookworm?").owners == frozenset({"gnome"})
    assert shape_of("In which Python version did the default change?").owners == frozenset({"python"})
    assert shape_of("Which vaccine did China deliver?").owners == frozenset()  # only a version has an owner
    # So does "Which version of GNOME": the names right after "of", not a later one nor a common noun.
    assert shape_of("Which version of GNOME ships with Debian bookworm?").owners == frozenset({"gnome"})
    assert shape_of("Which versions of Windows does Valgrind run on?").owners == frozenset({"windows"})
    assert shape_of("Which release of GNU Emacs added it?").owners == frozenset({"gnu", "emacs"})
    assert shape_of("Which version of the kernel added Btrfs?").owners == frozenset()
    assert shape_of("Which file of Debian Policy says it?").owners == frozenset()  # a file is no version


def test_a_which_question_is_answered_loosely_by_an_identifier_or_for_a_version_by_a_number() -> None:
    # "Which directory ..." may be answered by a path the sentence holds, "Which release ..." only by a version.
    assert shape_of("Which directory holds the AppArmor profiles?").answers_loosely("They live in /etc/apparmor.d/.")
    release = shape_of("Which Debian release first made GRUB 2 the default boot loader?")
    assert not release.answers_loosely('GRUB2 reads "/boot/grub/grub.cfg" and uses search.fs_uuid.')
    kernel = shape_of("Since which kernel version is relatime the default?")
    assert kernel.answers_loosely("The relatime option is the default since Linux 2.6.30.")
    assert not kernel.answers_loosely("It was changed on 2020-04-29 at 10:30.")
    assert not shape_of("Who wrote the csv module?").answers_loosely("See /usr/lib/python3/csv.py.")  # no "which X"


def test_a_version_of_another_name_is_no_version_of_the_one_asked_about() -> None:
    windows = shape_of("Which versions of Windows does Valgrind run on?")
    assert not windows.answers_loosely("Supported systems: it requires OS 10.5.x (Leopard).")  # OS's version
    assert windows.answers_loosely("It runs on Windows 10.1 and later.")
    assert windows.answers_loosely("It needs version 3.4 or later.")  # a version of no name: the scores decide
    # A question that names no owner takes any version, as before.
    assert shape_of("Since which kernel version is relatime the default?").answers_loosely("It is so since Linux 2.6.30.")


@pytest.mark.parametrize("opening", ["", "\U0001f600 ", "\ufffd ", "> ", '"', "¿", "- ", "• ", "2. ", "(3) "])
def test_what_comes_before_the_first_word_does_not_change_what_is_asked(opening: str) -> None:
    # An emoji, a quote mark or a list bullet before the question: the question is still a count of specialists.
    shape = shape_of(opening + "How many specialists were in the group?")
    assert (shape.kind, shape.counted) == ("count", frozenset({stem("specialists")}))
    assert shape_of(opening + "When did the team arrive?").kind == "date"


@pytest.mark.parametrize(
    ("question", "sentence", "dates"),
    [
        # A year glued after the name asked about is that name's edition, not a date of it.
        ("In what year was SimCity first released?", "SimCity 2000 is an upgrade of SimCity.", False),
        ("When was Windows first released?", "Windows 2000 replaced Windows NT 4.0.", False),
        # Written after a preposition, a month or a comma, or after another name, a year dates.
        ("In what year was SimCity first released?", "Maxis released SimCity in 1989.", True),
        ("When was SimCity first released?", "SimCity was released in February 1989.", True),
        ("In what year was SimCity first released?", "Released in 1989, SimCity 2000 came later.", True),
        ("In what year was Windows first released?", "It shipped after Debian 1996 was planned.", True),
        # A word capitalised only as a sentence's first ("In 1980, IBM chose Microsoft") is no name.
        ("In what year did IBM pick Microsoft?", "In 1980, IBM chose Microsoft to supply the operating system.", True),
        # A table row's cells and a full date are dates whatever comes before them.
        ("When was Potato released?", "Potato | 2000", True),
        ("In what year was Potato released?", "Potato 2000-08-15 was its release date.", True),
    ],
)
def test_a_year_glued_to_the_asked_name_is_an_edition_not_a_date(question: str, sentence: str, dates: bool) -> None:
    assert shape_of(question).states(sentence) is dates


@pytest.mark.parametrize(
    ("question", "sentence", "states"),
    [
        # A URL's or a path's numbers name a page or a file: no year, date or quantity.
        (
            "When did Robert J. Hanlon come up with Hanlon's Razor?",
            "At http://www.statusq.org/2001/11/26.html it is claimed that Hanlon's Razor was coined by Robert J. Hanlon.",
            False,
        ),
        ("In what year were the notes written?", "The notes are kept in /usr/share/doc/1999/notes.", False),
        ("In what year were the notes written?", "The notes are at www.example.org/1999 today.", False),
        ("How many pages does the guide have?", "It is at https://example.org/guide/40/pages.html.", False),
        # The same numbers written as a date or a count state one, beside an address or not.
        ("When was the note posted?", "It was posted on 2001/11/26 to the list.", True),
        ("In what year was the razor coined?", "It was coined in 1980 (see www.example.org/1999/a.html).", True),
        ("How many pages does the guide have?", "The guide at https://example.org/guide has 40 pages.", True),
    ],
)
def test_an_addresss_numbers_state_nothing(question: str, sentence: str, states: bool) -> None:
    assert shape_of(question).states(sentence) is states


LEAD = "Alain Connes (; born 1 April 1947) is a French mathematician at the Collège de France."
LIVES = "Andrei Tarkovsky (4 April 1932 – 29 December 1986) was a Soviet film-maker."


@pytest.mark.parametrize(
    ("question", "sentence", "dates"),
    [
        # A lifespan's dates answer when someone was born or died, and nothing else about them.
        ("In what year did Alain Connes complete his doctorate?", LEAD, False),
        ("When did Connes join the Collège de France?", LEAD, False),
        ("When did Tarkovsky make Solaris?", LIVES, False),
        ("In what year was Alain Connes born?", LEAD, True),
        ("When did Tarkovsky die?", LIVES, True),
        # Another date in the sentence still answers, and a range of bare years is no lifespan.
        ("When did Connes join the Collège de France?", LEAD.replace(" at", ", since 1984 at"), True),
        ("When was the war fought?", "World War II (1939–1945) was a global war.", True),
    ],
)
def test_a_lifespans_dates_answer_only_a_question_about_a_life(question: str, sentence: str, dates: bool) -> None:
    assert shape_of(question).states(sentence) is dates


@pytest.mark.parametrize(
    ("question", "sentence", "answers"),
    [
        # A birth or a death asked when, where or at what age: only a sentence that states one answers.
        ("In what year was Graeme Base born?", "Animalia was first published in 1986.", False),
        ("In what year was Graeme Base born?", "Graeme Base was born in 1958 in Amersham.", True),
        ("When did Debian's founder die?", "Ian Murdock led the project from 1993 to 1996.", False),
        ("When did Debian's founder die?", "Ian Murdock passed away on December 28, 2015.", True),
        ("When did Tarkovsky die?", LIVES, True),  # a lifespan states both
        ("Where was Grace Hopper born?", "Hopper worked at Harvard University on the Mark I.", False),
        ("Where was Grace Hopper born?", "Grace Hopper was born in New York City.", True),
        ("How old was Ian Murdock when he died?", "Ian Murdock was 22 when he founded Debian.", False),
        ("How old was Ian Murdock when he died?", "Ian Murdock died in 2015, aged 42.", True),
        # Any other question keeps its shape alone, whatever its words ("die" of a process is no death asked).
        ("When was Animalia published?", "Animalia was first published in 1986.", True),
        ("Why does my daemon die after logout?", "It receives SIGHUP when the terminal closes.", True),
    ],
)
def test_a_birth_or_death_asked_is_answered_only_by_a_sentence_that_states_one(
    question: str, sentence: str, answers: bool
) -> None:
    assert shape_of(question).states(sentence) is answers


@pytest.mark.parametrize(
    ("question", "term"),
    [
        ("What is a coprocess in Bash?", "coprocess"),
        ("In Bash's terminology, what exactly is a 'job'?", "job"),
        ("What are meta-packages?", "meta-packages"),
        ("What is coral bleaching?", "coral bleaching"),
        ("What is DFSG?", "dfsg"),
        ("What is the capital of Canada?", ""),  # an attribute of something, not a definition
        ("What is the default value of vm.swappiness on Debian?", ""),
        ("What is /srv meant for?", ""),
        ("What is buildd an abbreviation of?", ""),
        ("How is a coprocess started?", ""),
    ],
)
def test_a_what_is_question_asks_for_a_definition_of_its_term(question: str, term: str) -> None:
    assert shape_of(question).term == term


@pytest.mark.parametrize(
    ("sentence", "defines"),
    [
        ("Meta-packages are empty packages that only describe dependencies.", True),
        ("A Debian metapackage is a package that depends on others.", True),  # written without its hyphen
        ("Packages that only describe dependencies are called meta-packages.", True),
        ("A meta-package (or metapackage) refers to a set of dependencies.", True),
        ("On the other hand, a meta-package exists mostly as a collection of dependencies.", False),  # not its subject
        ("Installing the meta-package brings in other packages.", False),
        ("A meta-package is installed like any other package.", False),  # a passive: what is done with it
    ],
)
def test_a_definition_makes_the_term_its_subject_or_names_something_so(sentence: str, defines: bool) -> None:
    assert shape_of("What is a meta-package?").defines(sentence) is defines


@pytest.mark.parametrize(
    ("question", "asking"),
    [
        ("How much money did China donate to the WHO?", {"much", "money"}),
        ("How much memory does the build need?", {"much"}),  # what is measured is asked about
        ("Roughly how many packages does Debian ship?", {"many"}),  # what is counted is asked about
        ("In what year did the first team leave?", {"year"}),
        ("On which date was it signed?", {"date"}),
        ("How deep is the lake?", {"deep"}),
        ("What percentage of votes did she win?", {"percentage"}),
        ("When probing the MTU with ping, how long is the reply?", {"long"}),
        ("Which number does the option take?", set()),  # often a label, not a quantity
        ("How long-running can a job be?", set()),
        ("Which time zone does the clock use?", set()),  # "time" names the zone, not a time asked
        ("Who founded the abbey?", set()),
    ],
)
def test_the_words_that_ask_for_a_kind_of_answer_are_told_from_what_it_is_about(question: str, asking: set[str]) -> None:
    assert asking_words(question) == asking
