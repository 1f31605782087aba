"""Masking of personal identifiers (conversation_store/masking.py), in process: each format of each
kind, the public numbers and the traps that must be left alone, the floors on the team's
benchmarks (bench/masking_corpus*.yml, each by a writer who never saw the masking code), the
training examples and development questions left alone, and the masking of the process's log."""

from __future__ import annotations

import glob
import io
import logging
from pathlib import Path
from typing import List

import pytest
import yaml

from bench.masking_bench import CORPORA, TARGET_FALSE_POSITIVES, TARGET_RECALL, run
from conversation_store.log_masking import MaskingFilter
from conversation_store.masking import identifiers, mask
from conversation_store.tracker_store import MaskingSQLTrackerStore
from core.paths import PROJECT_ROOT

FORMATS = [
    # names
    ("hiya I'm Bev, what's a stereotactic biopsy", "hiya I'm [name], what's a stereotactic biopsy"),
    ("this is Mary, my letter says calcifications", "this is [name], my letter says calcifications"),
    ("Thanks, maria", "Thanks, [name]"),
    ("my daughter Fiona has been recalled", "my daughter [name] has been recalled"),
    ("Dr Harris said it looks benign", "Dr [name] said it looks benign"),
    ("mrs shepherd here, is the clip safe", "mrs [name] here, is the clip safe"),
    ("My details: Jane Doe, 12 Acacia Avenue, Leeds", "My details: [name], [address]"),
    ("is it normal to bruise? - Linda", "is it normal to bruise? - [name]"),
    ("the radiographer, Claire, was lovely", "the radiographer, [name], was lovely"),
    ("Yours sincerely\nDorothy M. Ellison", "Yours sincerely\n[name]"),
    ("dr obi says wait 6 months", "dr [name] says wait 6 months"),
    # e-mail
    ("email me at sue.b+x@example.co.uk", "email me at [email]"),
    # phones: UK and US, national and international, with and without the plus
    ("ring me on 07700 900123 please", "ring me on [phone] please"),
    ("447783272844 is my mobile", "[phone] is my mobile"),
    ("call (415) 555-0132 after 5", "call [phone] after 5"),
    ("my cell is +1 415 555 0164", "my cell is [phone]"),
    ("landline 020 7946 0018", "landline [phone]"),
    ("0044 7700 900 456 is best", "[phone] is best"),
    # NHS numbers (check digit valid)
    ("NHS number 943 476 5919", "NHS number [NHS number]"),
    ("nhs no 943-476-5919", "nhs no [NHS number]"),
    # postcodes
    ("I'm in TN1-3WH", "I'm in [postcode]"),
    ("postcode ls61ab", "postcode [postcode]"),
    # dates of birth
    ("I was born on the 17th of May 1940", "I was born on the [date of birth]"),
    ("dob 19501107", "dob [date of birth]"),
    ("Mum (1964-09-26) has them too", "Mum ([date of birth]) has them too"),
    ("DOB: 3/4/59", "DOB: [date of birth]"),
    # street addresses
    ("I live at 49 London Road, Hull", "I live at [address]"),
    ("Flat 3, 45 High Street", "[address]"),
    ("send it to 1600 Elm St, Apt 4, Springfield, IL 62704", "send it to [address] [postcode]"),
    ("Rose Cottage, Mill Lane, Ludlow", "[address]"),
    # hospital numbers
    ("hospital number AE7124366", "hospital number [hospital number]"),
    ("MRN 54392549", "MRN [hospital number]"),
    ("hosp number GH/773120", "hosp number [hospital number]"),
    # the first formats, before Presidio
    ("my name is Sarah Jones and I'm scared", "my name is [name] and I'm scared"),
    ("hi, i'm called jo. what is a biopsy", "hi, i'm called [name]. what is a biopsy"),
    ("Name: Ann-Marie O'Neil", "Name: [name]"),
    ("Mrs Patel said they look benign", "Mrs [name] said they look benign"),  # titles are kept
    ("email me at sue.b+x@example.co.uk", "email me at [email]"),
    ("ring me on 07700 900123 please", "ring me on [phone] please"),
    ("my number is +44 (0)7700-900-123", "my number is [phone]"),
    ("landline 01632 960001", "landline [phone]"),
    ("NHS number 943 476 5919", "NHS number [NHS number]"),
    ("my nhs no is 9434765919", "my nhs no is [NHS number]"),
    ("I live in SW1A 1AA", "I live in [postcode]"),
    ("postcode m1 1ae, is there a clinic", "postcode [postcode], is there a clinic"),
    ("DOB 12/03/1958", "DOB [date of birth]"),
    ("I was born on 3rd March 1961", "I was born on [date of birth]"),
    ("date of birth: 1958-03-12", "date of birth: [date of birth]"),
    ("I'm 14/07/72 so older", "I'm [date of birth] so older"),
]

LEFT_ALONE = [
    "my mother just came over from Jordan and has no insurance yet",
    "the nearest clinic is 3 hours drive from the farm so we stay over",
    "Dr Google frightened me half to death last night",
    "She had the biopsy this morning. Kindly tell me how long the clip stays in.",
    # the helpline in every spelling, and other public numbers
    "is the helpline 0808 800 6000 free to call?",
    "I rang 08088006000 yesterday",
    "from abroad do I dial +44 (0)808 800 6000",
    "or +44 808 800 6000?",
    "Macmillan's 0808 808 00 00 were helpful",
    "should I ring 999 or 111",
    "Samaritans are on 116 123",
    # dates that are not birth dates, ages, results and sizes
    "my mammogram was on 14 March 2008",
    "biopsy booked for 03/02/2027 at 10.30",
    "back in 2005 I had a lump",
    "I'm 52 and they said B3, 6 mm",
    "BI-RADS 4 and U2 on the scan",
    # words that are names elsewhere
    "Will it hurt?",
    "Mark the spot with a pen?",
    "Grace period for the appointment?",
    "Hope it's nothing",
    "my name is spelt wrong on the letter",
    "I'm Scared",
    "I'm from Leeds",
    "I live near Hull",
    "Dr said it's fine",
    "the Royal Marsden did mine",
    "got a letter from the Christie",
    "i practically live on flat whites at work",
    "the doctor cant feel anything there and neither can i",
    "Summer holiday booked, should I cancel",
    "I drive 90 miles each way",
    # the public figure the sources quote
    "a Dr John Lee says progesterone helps",
    "",
    "   ",
    # the first ordinary messages, before Presidio
    "do calcium pills cause this?",
    "will the clip set off airport alarms?",
    "my mammogram is on 12/03/2026 and the biopsy on 3rd May 2026",
    "I am 52 and have 3 calcifications, 2 are 5mm",
    "is the helpline 0808 800 6000 free to call?",
    "can a person call me instead",
    "my name is on the letter",
    "this is so scary",
    "they said BI-RADS 3, what does that mean",
]


@pytest.mark.parametrize("text, expected", FORMATS)
def test_each_format_is_masked(text: str, expected: str) -> None:
    assert mask(text) == expected
    assert mask(expected) == expected  # masking twice changes nothing


@pytest.mark.parametrize("text", LEFT_ALONE)
def test_public_numbers_and_traps_are_left_alone(text: str) -> None:
    assert mask(text) == text
    assert identifiers(text) == []


# development questions whose writers put personal details in, as patients do (tests/dev25, dev27, dev30,
# dev32, dev37)
WRITTEN_WITH_IDENTIFIERS = {
    "Good afternoon. My name is Rosario and I have 71 years, my grandson is helping me to write this. The nurse "
    "navigator told me on the telephone that I have microcalcification but she talk very fast. Please can you tell "
    "me what means this word microcalcification?": "Good afternoon. My name is [name] and I have 71 years, my "
    "grandson is helping me to write this. The nurse navigator told me on the telephone that I have "
    "microcalcification but she talk very fast. Please can you tell me what means this word microcalcification?",
    "hello my name is margaret i am 74 and i had my mammal gram at the mobile unit outside the big tesco last month "
    "full stop the letter came this morning and it says something about calcium vacations in my left breast comma i "
    "have read it three times now. what actually are calcium vacations question mark i have never heard of them and "
    "my daughter is in spain so i cant ask her": "hello my name is [name] i am 74 and i had my mammal gram at the "
    "mobile unit outside the big tesco last month full stop the letter came this morning and it says something about "
    "calcium vacations in my left breast comma i have read it three times now. what actually are calcium vacations "
    "question mark i have never heard of them and my daughter is in spain so i cant ask her",
    "Dear Sir or Madam, I should be most grateful if you would explain to me, in plain terms, what is meant by the "
    "phrase breast calcifications. I was a schoolmistress for forty one years and I do not care to sign things I do "
    "not understand. Yours faithfully, Mrs D. Pennington": "Dear Sir or Madam, I should be most grateful if you "
    "would explain to me, in plain terms, what is meant by the phrase breast calcifications. I was a schoolmistress "
    "for forty one years and I do not care to sign things I do not understand. Yours faithfully, [name]",
    "can an old injury cause them? our Claire took a hockey ball to the chest at school years back and she's "
    "wondering if thats where hers came from": "can an old injury cause them? our [name] took a hockey ball to the "
    "chest at school years back and she's wondering if thats where hers came from",
    "Hello. My name is Dawn. My support worker is helping me write this. The breast x-ray found "
    "calcifications. What are calcifications? Please use easy words.": (
        "Hello. My name is [name] My support worker is helping me write this. The breast x-ray found "
        "calcifications. What are calcifications? Please use easy words."
    ),
    "Good afternoon. I am 74 years of age and was recently informed that my mammogram shows "
    "calcification. Could you kindly explain what this term means in relation to breast tissue? With "
    "thanks, Margaret.": "Good afternoon. I am 74 years of age and was recently informed that my mammogram shows "
    "calcification. Could you kindly explain what this term means in relation to breast tissue? With "
    "thanks, [name].",
    "Dear Sir or Madam, I should be grateful to learn whether the majority of breast calcifications "
    "prove to be malignant. My younger sister has been recalled and I wish to be of support to her. "
    "Yours faithfully, R. Okafor": (
        "Dear Sir or Madam, I should be grateful to learn whether the majority of breast calcifications "
        "prove to be malignant. My younger sister has been recalled and I wish to be of support to her. "
        "Yours faithfully, [name]"
    ),
    "my partner Jo has a core biopsy on friday (we're both women, in case that matters for anything). "
    "what do they actually do with the bits of tissue they take out?": (
        "my partner [name] has a core biopsy on friday (we're both women, in case that matters for "
        "anything). what do they actually do with the bits of tissue they take out?"
    ),
    "I've lived on my own since Derek passed in the spring and there's nobody to tell about any of "
    "this. My son is in Australia. I feel very alone with it all.": (
        "I've lived on my own since [name] passed in the spring and there's nobody to tell about any of "
        "this. My son is in Australia. I feel very alone with it all."
    ),
    "can somebody phone me back? I'm much better on the phone than typing, my number is 07700 900123": "can somebody "
    "phone me back? I'm much better on the phone than typing, my number is [phone]",
}
# A false positive, recorded so that the test shows it (not yet mended, docs/masking.md): a
# hospital's name, written in lower case, read as a person's (tests/dev27).
MASKED_WRONGLY = {
    "which hospital is the best in greater manchester for breast surgery, christie or wythenshawe": "which hospital "
    "is the best in greater manchester for breast surgery, [name] or wythenshawe",
}


@pytest.mark.slow
def test_no_training_example_or_dev_question_is_masked() -> None:
    """Thousands of messages written as patients write: none changed but the few in which the
    writer gave a name or a number, and those only there."""
    texts: List[str] = []
    nlu = yaml.safe_load((PROJECT_ROOT / "data" / "nlu.yml").read_text())["nlu"]
    for item in nlu:
        texts += [line[2:] for line in (item.get("examples") or "").splitlines() if line.startswith("- ")]
    for path in glob.glob(str(PROJECT_ROOT / "tests" / "dev*" / "questions.yml")):
        for q in yaml.safe_load(Path(path).read_text()):
            texts += [q["text"], *(q.get("context") or [])]
    assert len(texts) > 3000
    assert {t: mask(t) for t in texts if mask(t) != t} == {**WRITTEN_WITH_IDENTIFIERS, **MASKED_WRONGLY}


def test_identifiers_are_reported_with_their_kind_and_place() -> None:
    text = "I'm Bev, NHS 943 476 5919, born 3/4/59"
    found = [(i.kind, text[i.start : i.end]) for i in identifiers(text)]
    assert found == [("name", "Bev"), ("nhs_number", "943 476 5919"), ("date_of_birth", "3/4/59")]


KINDS = {"name", "email", "phone", "nhs_number", "postcode", "date_of_birth", "address", "hospital_number"}
# Floors of the sets the masking was not first built on (each first measured once, then used to
# find kinds of failure; docs/masking.md): raised when masking improves, never lowered.
FLOORS = {
    "masking_corpus_b.yml": {"recall": 0.88, "false_positives": 0.03},
    "masking_corpus_c.yml": {"recall": 0.94, "false_positives": 0.03},
}


@pytest.mark.slow
@pytest.mark.parametrize("corpus", CORPORA, ids=lambda p: p.name)
def test_the_benchmarks_meet_their_targets_or_floors(corpus: Path) -> None:
    """Every kind at least 0.95 fully masked, at most 5 % of identifier-free messages changed
    (on the first set); on the others, at least their floors."""
    figures = run(corpus, verbose=False)
    assert set(figures["recall"]) == KINDS
    floor = FLOORS.get(corpus.name, {"recall": TARGET_RECALL, "false_positives": TARGET_FALSE_POSITIVES})
    assert {k: r for k, r in figures["recall"].items() if r < floor["recall"]} == {}
    assert figures["identifier_free_changed"] <= floor["false_positives"]


def test_log_records_are_masked_on_every_handler_of_the_process(tmp_path: Path) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        # the tracker store puts the filter in place when the Rasa server creates it
        MaskingSQLTrackerStore(dialect="sqlite", db=str(tmp_path / "tracker.db"))
        logging.getLogger("rasa.core.processor").warning("Received user message '%s'", "I'm Bev, 07700 900123")
    finally:
        root.removeHandler(handler)
    assert stream.getvalue() == "Received user message 'I'm [name], [phone]'\n"


def test_a_long_log_message_is_cut_before_it_is_masked() -> None:
    record = logging.LogRecord(
        "sqlalchemy", logging.ERROR, __file__, 1, "failed: %s", ("x" * 5000 + " 07700 900123",), None
    )
    MaskingFilter().filter(record)
    assert record.getMessage() == "failed: " + "x" * 992 + " [4021 more characters not logged]"
