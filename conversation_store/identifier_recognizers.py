"""The recognizers of personal identifiers that masking runs, on Presidio's framework: phone
numbers through Google's `phonenumbers` (GB and US), NHS numbers through Presidio's own checksum
recognizer, the patterns of conversation_store/identifiers.yml, dates of birth, names introduced
as such ("I'm Bev", "my daughter Fiona", "Dr Harris", "- Linda"), and the names and street
addresses the project's own spaCy model finds (conversation_store/identifier_model.py).

Each recognizer reports a kind of conversation_store/identifiers.yml (`name`, `phone`, ...) as
its Presidio entity type."""

from __future__ import annotations

import functools
import re as std_re
from pathlib import Path
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Tuple

import phonenumbers
import regex as re
import yaml
from presidio_analyzer import EntityRecognizer, LocalRecognizer, Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import NhsRecognizer, PhoneRecognizer, SpacyRecognizer

from core.paths import KNOWLEDGE_DIR

IDENTIFIERS_FILE = Path(__file__).with_name("identifiers.yml")
FLAGS = re.IGNORECASE | re.UNICODE | re.MULTILINE


@functools.lru_cache(maxsize=None)
def identifiers_config() -> Dict[str, Any]:
    """conversation_store/identifiers.yml, read once."""
    return yaml.safe_load(IDENTIFIERS_FILE.read_text(encoding="utf-8"))


def compact(pattern: str) -> str:
    """A pattern of identifiers.yml without the whitespace that YAML's folding puts between its
    lines (patterns say `\\s` where they mean a space)."""
    return std_re.sub(r"\s+", "", pattern)


def _result(kind: str, start: int, end: int, score: float, recognizer: EntityRecognizer) -> RecognizerResult:
    return RecognizerResult(
        entity_type=kind,
        start=start,
        end=end,
        score=score,
        recognition_metadata={
            RecognizerResult.RECOGNIZER_NAME_KEY: recognizer.name,
            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: recognizer.id,
        },
    )


class ProjectRecognizer(LocalRecognizer):
    """A recognizer of one kind of identifiers.yml, with nothing to load."""

    KIND = ""
    NAME = ""

    def __init__(self) -> None:
        super().__init__(supported_entities=[self.KIND], name=self.NAME)

    def load(self) -> None:
        pass


# --- phone numbers -------------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def public_numbers() -> FrozenSet[str]:
    """The digits of every public number that is never masked: the helpline's (from the knowledge
    base's messages) and those of identifiers.yml, each also in its international form."""
    from core.knowledge.messages import cached_messages

    helpline = cached_messages().helpline
    numbers = {*identifiers_config()["public_numbers"], helpline.number, helpline.tel}
    digits = {std_re.sub(r"\D", "", n) for n in numbers}
    return frozenset(digits | {"44" + d[1:] for d in digits if d.startswith("0")})


def is_public(number_text: str) -> bool:
    digits = std_re.sub(r"\D", "", number_text)
    # "+44 (0)808 800 6000" keeps the national 0 inside the international form
    return digits in public_numbers() or digits.replace("440", "44", 1) in public_numbers()


class PhoneNumbers(PhoneRecognizer):
    """Phone numbers as `phonenumbers` validates them for the UK and the US, also written
    internationally without the plus ("447783272844"); public numbers are left alone."""

    INTERNATIONAL_WITHOUT_PLUS = std_re.compile(r"(?<![\d+])(?:44|1)[\d ]{9,13}\d(?!\d)")
    SCORE = 0.9

    def __init__(self) -> None:
        # POSSIBLE, not VALID: numbers of ranges not (yet) allocated, and Ofcom's drama ranges, are
        # still someone's number as far as masking goes; what is too short is left alone below.
        super().__init__(supported_regions=("GB", "US"), leniency=phonenumbers.Leniency.POSSIBLE)

    def get_supported_entities(self) -> List[str]:
        return ["phone"]

    def analyze(
        self, text: str, entities: List[str], nlp_artifacts: Optional[NlpArtifacts] = None
    ) -> List[RecognizerResult]:
        spans = []
        for region in self.supported_regions:
            for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=self.leniency):
                if len(phonenumbers.national_significant_number(match.number)) >= 10 or phonenumbers.is_valid_number(
                    match.number
                ):
                    spans.append((match.start, match.end))
        for match in self.INTERNATIONAL_WITHOUT_PLUS.finditer(text):
            try:
                number = phonenumbers.parse("+" + std_re.sub(r"\D", "", match.group(0)))
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(number):
                spans.append(match.span())
        results = [
            _result("phone", start, end, self.SCORE, self) for start, end in spans if not is_public(text[start:end])
        ]
        return EntityRecognizer.remove_duplicates(results)


class NhsNumbers(NhsRecognizer):
    """Presidio's NHS numbers (ten digits whose check digit fits), reported as `nhs_number`."""

    def __init__(self) -> None:
        super().__init__(supported_entity="nhs_number")


# --- patterns of identifiers.yml -----------------------------------------------------------------


def pattern_recognizers() -> List[PatternRecognizer]:
    """One Presidio pattern recognizer per kind of identifiers.yml's `patterns`."""
    recognizers = []
    for kind, patterns in identifiers_config()["patterns"].items():
        recognizers.append(
            PatternRecognizer(
                supported_entity=kind,
                name=f"{kind} patterns",
                patterns=[Pattern(p["name"], compact(p["regex"]), p["score"]) for p in patterns],
                global_regex_flags=FLAGS,
            )
        )
    return recognizers


# --- dates of birth ------------------------------------------------------------------------------

MONTHS = (
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    "sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
ORDINAL = r"(?:st|nd|rd|th)?"
# "the third of April 1938"
ORDINAL_WORDS = (
    r"(?:twenty[\s-]|thirty[\s-])?(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|"
    r"twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|thirtieth)"
)
DATE = re.compile(
    rf"(?<![\w/.-])(?:"
    rf"\d{{1,2}}{ORDINAL}(?:\s+of)?[\s/.-]+(?:{MONTHS})\.?[\s/.,-]+(?:\d{{2,4}}|'\d{{2}})"
    rf"|(?:{MONTHS})\.?\s+\d{{1,2}}{ORDINAL},?\s+(?:\d{{4}}|'\d{{2}})"
    rf"|\d{{1,2}}\s?[/.-]\s?\d{{1,2}}\s?[/.-]\s?\d{{2,4}}"
    rf"|\d{{4}}[/.-]\d{{1,2}}[/.-]\d{{1,2}}"
    rf"|(?:19|20)\d{{2}}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
    rf"|{ORDINAL_WORDS}\s+of\s+(?:{MONTHS})\.?,?\s+\d{{4}}"
    rf")(?![\w/-])",
    FLAGS,
)


def _year(date_text: str) -> Optional[int]:
    digits = std_re.findall(r"\d+", date_text)
    if len(digits) == 1 and len(digits[0]) == 8:  # 19501107
        return int(digits[0][:4])
    four = [int(d) for d in digits if len(d) == 4]
    if four:
        return four[0]
    if digits and len(digits[-1]) == 2:  # "3/4/59": read as 19xx unless recent
        year = int(digits[-1])
        return year + (2000 if year < 30 else 1900)
    return None


class DatesOfBirth(ProjectRecognizer):
    """Full dates after a birth cue ("born on the 17th of May 1940", "DOB 3/4/59"), and full
    dates older than identifiers.yml's `old_year` without one."""

    KIND, NAME = "date_of_birth", "dates of birth"

    def __init__(self) -> None:
        config = identifiers_config()["dates"]
        self.old_year = config["old_year"]
        self.cue = re.compile(rf"(?:{compact(config['birth_cues'])})(?:\(\s*)?$", FLAGS)
        super().__init__()

    def analyze(
        self, text: str, entities: List[str], nlp_artifacts: Optional[NlpArtifacts] = None
    ) -> List[RecognizerResult]:
        results = []
        for match in DATE.finditer(text):
            year = _year(match.group(0))
            before = text[max(0, match.start() - 40) : match.start()]
            if self.cue.search(before) or (year is not None and 1900 <= year < self.old_year):
                results.append(_result(self.KIND, match.start(), match.end(), 0.9, self))
        return results


# --- names introduced as such ---------------------------------------------------------------------


def _faker_names(attribute: str, *extra: str) -> FrozenSet[str]:
    """One list of Faker's British and American person providers (and `extra`), lower-cased,
    less the words that are never names."""
    from faker.providers.person.en_GB import Provider as British
    from faker.providers.person.en_US import Provider as American

    names = [*getattr(British, attribute), *getattr(American, attribute), *extra]
    return frozenset(n.lower() for n in names) - not_names()


@functools.lru_cache(maxsize=None)
def first_names() -> FrozenSet[str]:
    """Faker's first names and identifiers.yml's `extra_first_names`."""
    return _faker_names("first_names", *identifiers_config()["extra_first_names"].split())


@functools.lru_cache(maxsize=None)
def surnames() -> FrozenSet[str]:
    return _faker_names("last_names")


@functools.lru_cache(maxsize=None)
def not_names() -> FrozenSet[str]:
    """identifiers.yml's `not_names` and every one-word term of the knowledge base's vocabulary
    ("progesterone", "hoover")."""
    vocabulary = yaml.safe_load((KNOWLEDGE_DIR / "vocabulary.yml").read_text(encoding="utf-8"))
    terms = {t.lower() for concept in vocabulary["concepts"] for t in concept["terms"] if " " not in t}
    return frozenset(identifiers_config()["not_names"].split()) | terms


@functools.lru_cache(maxsize=None)
def public_names() -> FrozenSet[str]:
    return frozenset(identifiers_config()["public_names"])


@functools.lru_cache(maxsize=None)
def _word_log_probabilities() -> Dict[str, float]:
    """How common each English word is (spacy-lookups-data's lexeme probabilities)."""
    import gzip
    import json

    import spacy_lookups_data

    path = Path(spacy_lookups_data.__file__).parent / "data" / "en_lexeme_prob.json.gz"
    # the words at least as common as the rarest threshold (70,000 of a million): the others are
    # all "rare" alike, and the whole table would cost the Rasa server 150 MB
    return {
        word: p
        for word, p in json.loads(gzip.decompress(path.read_bytes())).items()
        if p > LOWER_CASE_NAME_LOG_PROBABILITY
    }


def word_log_probability(word: str) -> float:
    """How common `word` is; the words rarer than LOWER_CASE_NAME_LOG_PROBABILITY all alike."""
    return _word_log_probabilities().get(word.lower(), -20.0)


def is_ordinary_word(word: str) -> bool:
    """A word much of English uses ("instead", "will", "scared"), rarely a name in lower case."""
    return word_log_probability(word) > ORDINARY_WORD_LOG_PROBABILITY


# "I'm Nigerian", "I'm Bangladeshi", "I'm Scottish": how nationalities and languages end
NATIONALITY = std_re.compile(r"(?:ian|ean|ese|ish|eshi|stani|ic)$")


@functools.lru_cache(maxsize=None)
def places() -> FrozenSet[str]:
    return frozenset(identifiers_config()["places"].split())


PLACE_BEFORE, PLACE_AFTER = identifiers_config()["place_before"], identifiers_config()["place_after"]
PLACE_WORD = re.compile(rf"(?:{PLACE_BEFORE}|{PLACE_AFTER})", FLAGS)
BEFORE_A_PLACE = re.compile(rf"\b(?:{PLACE_BEFORE})\.?\s*$|\w-$", FLAGS)
AFTER_A_PLACE = re.compile(rf"\s*(?:{PLACE_AFTER})\b", FLAGS)


def in_name_of_place(text: str, start: int, end: int) -> bool:
    """Whether the name at text[start:end] is part of the name of a place or an organisation
    ("Queen Elizabeth Hospital", "Royal Victoria", "Marks & Spencer", "Cedars-Sinai")."""
    return bool(BEFORE_A_PLACE.search(text[:start]) or AFTER_A_PLACE.match(text[end:]))


def is_rare_word(word: str) -> bool:
    """A word English seldom uses ("harris", "bev"): a known first name this rare is a name."""
    return word_log_probability(word) < RARE_WORD_LOG_PROBABILITY


def is_name_word(word: str, known_only: bool) -> bool:
    """Whether `word` can be (part of) a name: never one of identifiers.yml's `not_names`; a known
    first name unless it is an ordinary word in lower case; with `known_only` false, also any
    other word but an ordinary one in lower case; with `known_only`, also a rare word written
    with a capital ("Bev"), but not in capitals ("DCIS")."""
    bare = std_re.sub(r"['’]s$", "", word.lower()).strip("'’-")
    if "-" in bare:  # "Kelly-Jo", "Chaudhry-Malik": each part
        parts = [p for p in word.split("-") if p]
        return bool(parts) and all(is_name_word(p, known_only and i == 0) for i, p in enumerate(parts))
    if len(bare) < 2 or bare in not_names():
        return False
    capital = word[:1].isupper()
    if bare in first_names() or not known_only:
        return capital or not is_ordinary_word(bare)
    return capital and not word.isupper() and is_rare_word(bare) and not NATIONALITY.search(bare)


# log probabilities of en_lexeme_prob: above the first a word is ordinary ("mark" -10.3, "grace"
# -12.07, "sue" -11.4, "mary" -13.7); below the second, rare ("bev" -16.6, "harris" -15.4)
ORDINARY_WORD_LOG_PROBABILITY = -12.0
RARE_WORD_LOG_PROBABILITY = -13.0
LOWER_CASE_NAME_LOG_PROBABILITY = -15.5
NAME = r"[^\W\d_][\w'’-]*"
WORD = re.compile(NAME, FLAGS)
RELATIVE = (
    r"mum|mom|mother|mam|dad|father|daughter|son|sister|brother|husband|wife|partner|friend|"
    r"aunt|auntie|uncle|niece|nephew|cousin|nan|nana|gran|granny|grandma|grandmother|"
    r"grandad|granddaughter|neighbour|neighbor|colleague|boss|carer|gp|doctor|nurse|consultant|"
    r"surgeon|radiologist|radiographer|specialist|oncologist|midwife|hubby|fiance|fiancee|girlfriend|boyfriend|"
    r"aunty|receptionist|secretary|volunteer|support\s+worker|key\s+worker|social\s+worker|interpreter|translator"
)
TITLE = r"dr|doctor|mr|mrs|ms|miss|mx|prof|professor|nurse|(?-i:Sister|Sr)|dame|sir|lady|lord|rev"
# (cue before the name, how sure a word after it must look)
INITIAL = r"(?:[A-Z]\.\s*)"
NAME_CUES = [
    # "my name is Sue", "name: Ann-Marie O'Neil", "call me jo"
    (
        r"\b(?:my\s+name(?:'s|\s+is)|i'?m\s+called|i\s+am\s+called|call\s+me|name\s*[:=-]|names?\s+is|details\s*[:=-])\s*",
        "any",
    ),
    # "Dr Harris", "mrs shepherd"
    (rf"\b(?:{TITLE})\.?\s+", "title"),
    # "my daughter Fiona", "my mum, Jean,", "my husband's name is"
    (rf"\b(?:my|our|her|his)\s+(?:{RELATIVE})(?:'s\s+name\s+is|\s+is\s+called|\s+called|\s+is|,)?\s+", "known"),
    # "wife Petra", "the receptionist Shazia", "aunty Bisi": a capital after one
    (rf"\b(?:{RELATIVE}),?\s+", "capital"),
    # "husband of Ingrid Larsen", "message from Deepak", "on behalf of Mrs Okoro"
    (rf"\b(?:(?:{RELATIVE})\s+of|(?:message|text|note|email|letter)\s+from|on\s+behalf\s+of)\s+", "capital"),
    # "I'm Bev", "this is Mary", "it's Linda here"
    (
        r"(?:^|[.!?,;:\n]|\b(?:hi|hello|hiya|hey|morning|evening|afternoon)\b)\s*(?:hi|hello|hiya|hey)?[,!]?\s*(?:i'?m|i\s+am|it'?s|this\s+is|me)\s+",
        "known",
    ),
    # "the nurse was called Jan", "ask for Morag", "reply to Jennifer", "calls me Liz"
    (
        r"\b(?<!\b(?:dog|cat|puppy|kitten|pet|horse|it|this|that|place|clinic|unit|hospital)\s+)(?:(?:was|is|were|are)\s+called|calls?\s+me|ask\s+for|asked\s+for|ask|reply\s+to|speak\s+to|talk\s+to|spoke\s+to|spoke\s+with|chat\s+with|especially|named)\s+",
        "capital",
    ),
    # "Thanks, maria", "cheers Sue", "love, Pat", "Yours faithfully, R. Okafor"
    (
        r"\b(?:thanks|thank\s+you|thankyou|cheers|regards|best\s+wishes|love|ta|sincerely|faithfully|truly|wishes|bye)[,!.]?\s+",
        "known",
    ),
]
CUE_PATTERNS = [
    (re.compile(rf"{cue}(?P<name>{INITIAL}?{NAME}(?:\s+{INITIAL}?{NAME}){{0,2}})", FLAGS), strength)
    for cue, strength in NAME_CUES
]
# "- Linda", "x Sue", "Bev here", "mrs shepherd here", a name alone at the very end
SIGNED = re.compile(rf"(?:^|[\s,.!])(?:-+|–|—|x+)\s*(?P<name>{NAME}(?:\s+{NAME})?)\s*[x.!]*\s*$", FLAGS)
# "Sharon xxx", "speak soon, bridget", a name alone on the last line
SIGNED_LAST = re.compile(rf"(?:^|[,.!?\n]|\s-)\s*(?P<name>{NAME}(?:\s+{NAME})?)\s*(?:x+|[.!])?\s*$", FLAGS)
HERE = re.compile(rf"(?:^|[.!?\n])\s*(?:hi|hello|hiya|hey)?[,!]?\s*(?P<name>{NAME}(?:\s+{NAME})?)\s+here\b", FLAGS)


class IntroducedNames(ProjectRecognizer):
    """Names the patient introduces: after "my name is" or a title anything but a common word;
    after "I'm", "my daughter" or "thanks" a known first name (and the surname after it)."""

    KIND, NAME = "name", "introduced names"

    def _name_words(self, words: List[str], strength: str) -> int:
        """How many of `words` (from the start) are a name; an initial ("K.") only before a name."""
        taken = 0
        for i, word in enumerate(words):
            if len(word) == 1 and (word.isupper() or strength == "title") and i + 1 < len(words):
                continue  # an initial counts if a name word follows it
            if strength == "any":
                ok = is_name_word(word, known_only=False)
            elif strength == "capital" and i == 0:  # "ask for Rob": a capital will do, or a known name
                capitalised = word[:1].isupper() and not is_ordinary_word(word) and not NATIONALITY.search(word.lower())
                ok = is_name_word(word, known_only=True) or (capitalised and is_name_word(word, known_only=False))
            elif strength == "title":  # in lower case, a known name or a rare word ("dr obi", not "dr said")
                bare = word.lower()
                ok = is_name_word(word, known_only=False) and (
                    word[:1].isupper() or bare in first_names() or bare in surnames() or is_rare_word(bare)
                )
            elif i == 0:
                ok = is_name_word(word, known_only=True)
            else:  # "my daughter Fiona" names her; "my daughter Fiona keeps" stops at "keeps"
                ok = word[:1].isupper() and is_name_word(word, known_only=False)
            if not ok:
                break
            taken = i + 1
        return taken

    def _spans(self, text: str) -> Iterable[Tuple[int, int]]:
        for pattern, strength in [*CUE_PATTERNS, (SIGNED, "capital"), (SIGNED_LAST, "capital"), (HERE, "known")]:
            for match in pattern.finditer(text):
                words = list(WORD.finditer(text, match.start("name"), match.end("name")))
                taken = self._name_words([w.group(0) for w in words], strength)
                if taken:
                    yield words[0].start(), words[taken - 1].end()

    def analyze(
        self, text: str, entities: List[str], nlp_artifacts: Optional[NlpArtifacts] = None
    ) -> List[RecognizerResult]:
        return EntityRecognizer.remove_duplicates([_result(self.KIND, s, e, 0.85, self) for s, e in self._spans(text)])


class KnownNames(ProjectRecognizer):
    """A known first name with a capital wherever it stands ("Thank you to Ruth"), with the
    capitalised surname after it ("Wendy Ashcroft", "Dorothy M. Ellison"), unless it is an
    ordinary word ("Grace", "Will")."""

    KIND, NAME = "name", "known first names"

    def analyze(
        self, text: str, entities: List[str], nlp_artifacts: Optional[NlpArtifacts] = None
    ) -> List[RecognizerResult]:
        results = []
        words = list(WORD.finditer(text))
        for i, word in enumerate(words):
            bare = word.group(0).lower().split("-")[0]
            if bare not in first_names() or not is_rare_word(bare):
                continue
            if not word.group(0)[:1].isupper() and word_log_probability(bare) > LOWER_CASE_NAME_LOG_PROBABILITY:
                continue  # in lower case, only the rarest ("rachel", not "victoria sponge")
            if std_re.search(r"\bthe\s+$", text[: word.start()], std_re.I) or in_name_of_place(
                text, word.start(), word.end()
            ):
                continue  # "the Christie", "Queen Elizabeth Hospital"
            end = word.end()
            for following in words[i + 1 : i + 4]:
                gap, name = text[end : following.start()], following.group(0)
                initial = len(name) == 1 and name.isupper() and text[following.end() : following.end() + 1] == "."
                if initial and std_re.fullmatch(r"\s+", gap):
                    end = following.end() + 1
                    continue
                if std_re.fullmatch(r"\s+|-", gap) and name[:1].isupper() and is_name_word(name, known_only=False):
                    end = following.end()
                else:
                    break
            results.append(_result(self.KIND, word.start(), end, 0.7, self))
        return results


class AddressesAfterCue(ProjectRecognizer):
    """What follows "I live at", "send it to", "address:" up to a postcode or the end of the
    sentence, when it starts with a number or a capital and has a number or a kind of street in it."""

    KIND, NAME = "address", "addresses after a cue"

    def __init__(self) -> None:
        self.cue = re.compile(compact(identifiers_config()["address_cues"]), FLAGS)
        postcodes = "|".join(compact(p["regex"]) for p in identifiers_config()["patterns"]["postcode"])
        self.end = re.compile(
            rf"[.?!;\n]|\s[-–]\s|\s(?:and|but|so|because|cos|if|please|pls|thanks)\b|,?\s*(?:{postcodes})", FLAGS
        )
        super().__init__()

    def analyze(
        self, text: str, entities: List[str], nlp_artifacts: Optional[NlpArtifacts] = None
    ) -> List[RecognizerResult]:
        results = []
        for cue in self.cue.finditer(text):
            start = cue.end()
            stop = self.end.search(text, start)
            end = min(stop.start() if stop else len(text), start + 90)
            found = text[start:end].rstrip(" ,")
            starts_well = (
                found[:1].isdigit()
                or found[:1].isupper()
                or std_re.match(r"(?:flat|apt|apartment|number|unit|room)\b", found, std_re.I)
            )
            if found and starts_well and (std_re.search(r"\d", found) or STREET_WORD.search(found)):
                results.append(_result(self.KIND, start, start + len(found), 0.8, self))
        return results


STREET_WORD = re.compile(
    r"\b(?:road|rd|street|st|avenue|ave|lane|ln|close|drive|dr|way|crescent|court|gardens|place|terrace|grove|"
    r"hill|row|walk|mews|square|boulevard|blvd|parade|rise|vale|green|cottages?|house|farm|lodge|forge|mill|bothy|"
    # a flat only with its number ("flat 3", not "flat whites")
    r"barn|grange|(?:flat|apt|apartment)(?=\s*\d))\b",
    FLAGS,
)
# "4 hours drive", "ten minutes walk": how far, not where
DISTANCE = re.compile(
    r"\b(?:\d+|an?|one|two|three|four|five|ten|twenty)\s+(?:hours?|hrs?|minutes?|mins?|miles?|km)['’]?s?\s+(?:drive|walk)\b",
    FLAGS,
)


# "from Leeds", "near Hull", "in Spain": the model's unknown names after these are places
PLACE_WORD_BEFORE = re.compile(r"\b(?:from|in|near|at|to|outside|around|of|by|via|moved|visit|visiting)\s+$", FLAGS)


class ModelFindings(SpacyRecognizer):
    """The spaCy model's names and addresses, less what cannot be one: a name with an ordinary word
    ("Summer holiday", "Castle Hill"), a lower-case word that is no known name ("dial") or a
    non-name word in it, an unknown name after "from" or "in" (a place), an address without a
    kind of street or house ("0808 800 6000 free to call")."""

    def __init__(self) -> None:
        super().__init__(supported_entities=["name", "address"])

    @staticmethod
    def _could_be_name(word: str) -> bool:
        bare = word.lower()
        if len(word) == 1 and word.isupper():
            return True  # an initial
        if not is_name_word(word, known_only=False) or is_ordinary_word(bare):
            return False
        if bare not in first_names() and NATIONALITY.search(bare):
            return False  # "I'm Nigerian"
        return word[:1].isupper() or bare in first_names() or bare in surnames()

    def analyze(
        self, text: str, entities: List[str], nlp_artifacts: Optional[NlpArtifacts] = None
    ) -> List[RecognizerResult]:
        kept = []
        for result in super().analyze(text, entities, nlp_artifacts):
            found = text[result.start : result.end]
            if result.entity_type == "name":
                words = [w.group(0) for w in WORD.finditer(found)]
                known = any(w.lower() in first_names() for w in words)
                after_place_word = PLACE_WORD_BEFORE.search(text[: result.start])
                sentence_start = std_re.search(r"(?:^|[.!?\n])\s*$", text[: result.start])
                unknown = not known and not any(w.lower() in surnames() for w in words)
                if (
                    words
                    and not (sentence_start and len(words) == 1 and unknown)  # "Oncotype score 18"
                    and all(self._could_be_name(w) for w in words)
                    and not any(w.lower() in places() for w in words)
                    and not in_name_of_place(text, result.start, result.end)
                    and not any(PLACE_WORD.fullmatch(w) for w in words)
                    and (known or not after_place_word)
                ):
                    kept.append(result)
            elif STREET_WORD.search(found) and not DISTANCE.search(found):
                kept.append(result)
        return kept


def is_public_name(found: str, before: str = "") -> bool:
    """Whether a name found is a public one of identifiers.yml ("Dr John Lee"), a known place after
    "in", "from"... ("the top surgeon in Sydney", whoever else is called Sydney), or no name at all
    but a contraction the model misread ("the nurse isn't due")."""
    word = found.lower().strip(" .'’")
    return (
        word in public_names()
        or (word in places() and bool(PLACE_WORD_BEFORE.search(before)))
        or bool(re.fullmatch(r"[a-z]+n['’]t", word))
    )


def project_recognizers() -> List[EntityRecognizer]:
    """Every recognizer masking runs."""
    return [
        ModelFindings(),
        PhoneNumbers(),
        NhsNumbers(),
        DatesOfBirth(),
        IntroducedNames(),
        KnownNames(),
        AddressesAfterCue(),
        *pattern_recognizers(),
    ]
