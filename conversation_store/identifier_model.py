"""The masking's own spaCy model of names and street addresses, trained at set-up (there is no
downloadable NER model here) on messages generated from conversation_store/identifier_messages.yml:
patients' questions of data/nlu.yml with names and addresses from Faker's British and American
providers around them, and as many messages without any.

    python -m conversation_store.identifier_model --output build/identifier_ner

The model is scored on the team's benchmark by `make bench-masking`, never on its own messages."""

from __future__ import annotations

import argparse
import random
import re
import time
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import spacy
import yaml
from faker import Faker
from spacy.training import Example
from spacy.util import minibatch

from core.paths import PROJECT_ROOT

TEMPLATES_FILE = Path(__file__).with_name("identifier_messages.yml")
SEED = 7
MESSAGES_WITH = 3500
MESSAGES_WITHOUT = 2500
EPOCHS = 8

TITLES = ["Dr", "Dr.", "dr", "Mrs", "mrs", "Mr", "Ms", "Miss", "Nurse", "Professor", "Prof", "Sister"]
RELATIVES = [
    "mum",
    "mom",
    "mother",
    "daughter",
    "sister",
    "wife",
    "partner",
    "friend",
    "aunt",
    "nan",
    "gran",
    "niece",
    "husband",
    "neighbour",
]
FEELINGS = [
    "scared",
    "Scared",
    "worried",
    "so worried",
    "confused",
    "terrified",
    "Anxious",
    "fine",
    "new here",
    "not sure",
]
STREETS = [
    "Road",
    "Street",
    "Lane",
    "Avenue",
    "Close",
    "Drive",
    "Way",
    "Crescent",
    "Court",
    "Gardens",
    "Place",
    "Terrace",
    "Grove",
    "Hill",
    "Row",
    "Walk",
    "Mews",
    "Square",
    "Rd",
    "St",
    "Ave",
    "Blvd",
    "Park",
    "View",
]
STREET_NAMES = [
    "High",
    "Church",
    "Station",
    "Mill",
    "London",
    "Victoria",
    "Main",
    "Park",
    "Elm",
    "Oak",
    "Green",
    "Manor",
    "Kings",
    "Queens",
    "School",
    "North",
    "New",
]
HOUSES = ["Rose Cottage", "The Old Mill", "Ivy House", "Holly Lodge", "Orchard Farm", "Willow Barn"]
Slot = Tuple[int, int, str]


def patients_questions() -> List[str]:
    """The training examples of data/nlu.yml: patients' own words, without identifiers."""
    questions = []
    for item in yaml.safe_load((PROJECT_ROOT / "data" / "nlu.yml").read_text(encoding="utf-8"))["nlu"]:
        questions += [line[2:].strip() for line in (item.get("examples") or "").splitlines() if line.startswith("- ")]
    return [q for q in questions if "[" not in q]


class MessageMaker:
    """Fills the templates' slots with invented people and places."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.fake = Faker(["en_GB", "en_US"])
        self.fake.seed_instance(rng.randint(0, 10**6))
        self.questions = patients_questions()

    def _case(self, text: str, lower: float = 0.25) -> str:
        return text.lower() if self.rng.random() < lower else text

    def first(self) -> str:
        return self._case(self.fake.first_name())

    def last(self) -> str:
        return self._case(self.fake.last_name(), 0.15)

    def full(self) -> str:
        first, last = self.fake.first_name(), self.fake.last_name()
        middle = f" {self.fake.first_name()[0]}." if self.rng.random() < 0.1 else ""
        return self._case(f"{first}{middle} {last}")

    def address(self) -> str:
        r = self.rng.random()
        if r < 0.4:
            text = self.fake.street_address().replace("\n", ", ")
        else:
            street = self.rng.choice([*STREET_NAMES, self.fake.last_name(), self.fake.city()])
            number = f"{self.rng.randint(1, 240)}{self.rng.choice(['', '', '', 'a', 'B'])}"
            text = f"{number} {street} {self.rng.choice(STREETS)}"
            if r > 0.85:
                text = f"Flat {self.rng.randint(1, 30)}, {text}"
            elif r > 0.8:
                text = f"{self.rng.choice(HOUSES)}, {street} {self.rng.choice(STREETS)}"
        return self._case(text)

    def filler(self, slot: str) -> str:
        fillers: Dict[str, Callable[[], str]] = {
            "question": lambda: self._case(self.rng.choice(self.questions), 0.1),
            "title": lambda: self.rng.choice(TITLES),
            "relative": lambda: self.rng.choice(RELATIVES),
            "feeling": lambda: self.rng.choice(FEELINGS),
            "age": lambda: str(self.rng.randint(30, 90)),
            "town": lambda: self._case(self.fake.city()),
            "postcode": lambda: self.fake.postcode(),
            "phone": lambda: self.fake.phone_number(),
            "email": lambda: self.fake.email(),
        }
        return fillers[slot]()

    def labelled(self, slot: str) -> Tuple[str, str]:
        makers: Dict[str, Callable[[], str]] = {
            "first": self.first,
            "first2": self.first,
            "last": self.last,
            "full": self.full,
            "address": self.address,
        }
        return makers[slot](), "address" if slot == "address" else "name"

    def make(self, template: str) -> Tuple[str, List[Slot]]:
        """A message from `template` and the character spans of its names and addresses."""
        text, spans, position = "", [], 0
        for match in re.finditer(r"\[(\w+)\]|\{(\w+)\}", template):
            text += template[position : match.start()]
            if match.group(1):
                value, label = self.labelled(match.group(1))
                spans.append((len(text), len(text) + len(value), label))
            else:
                value = self.filler(match.group(2))
            text += value
            position = match.end()
        return text + template[position:], spans


def training_examples(nlp: spacy.Language, rng: random.Random) -> List[Example]:
    templates = yaml.safe_load(TEMPLATES_FILE.read_text(encoding="utf-8"))
    maker = MessageMaker(rng)
    examples = []
    for kind, count in (("with_identifiers", MESSAGES_WITH), ("with_none", MESSAGES_WITHOUT)):
        for _ in range(count):
            text, spans = maker.make(rng.choice(templates[kind]))
            doc = nlp.make_doc(text)
            entities = [doc.char_span(s, e, label=label, alignment_mode="expand") for s, e, label in spans]
            if all(entities):
                examples.append(
                    Example.from_dict(doc, {"entities": [(e.start_char, e.end_char, e.label_) for e in entities]})
                )
    return examples


def train(output: Path) -> None:
    started = time.perf_counter()
    rng = random.Random(SEED)
    spacy.util.fix_random_seed(SEED)
    nlp = spacy.blank("en")
    ner = nlp.add_pipe("ner")
    for label in ("name", "address"):
        ner.add_label(label)
    examples = training_examples(nlp, rng)
    optimizer = nlp.initialize(lambda: examples)
    for epoch in range(EPOCHS):
        rng.shuffle(examples)
        losses: Dict[str, float] = {}
        for batch in minibatch(examples, size=32):
            nlp.update(batch, sgd=optimizer, drop=0.2, losses=losses)
        print(f"epoch {epoch + 1}/{EPOCHS}: loss {losses['ner']:.1f}")
    output.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(output)
    took = time.perf_counter() - started
    print(f"Masking model of names and addresses ({len(examples)} generated messages) in {output}, {took:.0f} s.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, default=PROJECT_ROOT / "build" / "identifier_ner")
    train(parser.parse_args().output)


if __name__ == "__main__":
    main()
