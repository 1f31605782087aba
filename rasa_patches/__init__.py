"""Every change the project makes to Rasa where Rasa 3.6 offers no setting, each one guarded.

- `action_timeout`: Rasa waits at most ACTION_TIMEOUT_SECONDS (core/settings.py) for the action server
  instead of its constant of five minutes (`rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT`), so
  that a patient hears within two seconds that the bot cannot answer (channels/outages.py).
- `action_result_validator`: `RemoteAction._validate_action_result` checks each action server
  answer with a validator built once. Rasa calls `jsonschema.validate`, which checks the schema
  itself first, on every call: a third of the Rasa server's time per message (bench/README.md).
- `event_classes`: `Event.resolve_by_type` remembers each event name's class. Rasa walks every
  subclass of Event for each stored event: nine tenths of rebuilding a conversation.
- `token_fingerprint`: `Token.fingerprint` hashes one JSON text of the token's text, offsets, lemma
  and data instead of hashing each part and then the list of hashes. Rasa fingerprints every
  message, tokens included, after each step of training for its cache (a tenth of the training
  time, docs/understanding-patients.md); the fingerprint stays stable and tells tokens apart as
  Rasa's does, only its value differs (a cache of Rasa's own is not reused).
- `tracker_store_overrides`: no replacement, a check. MaskingSQLTrackerStore
  (conversation_store/tracker_store.py) overrides SQLTrackerStore's private `_retrieve` and
  `_additional_events`; Rasa must still define them with the parameters the overrides take.

Each is written for the Rasa versions in SUPPORTED_RASA_VERSIONS and refuses any other with an
error naming it; each checks that its target is still there and still Rasa's own (or already this
patch: applying twice is harmless) before replacing it, and records what it replaced.

Importing this module changes nothing. `apply()` applies every patch, all or none; the processes
that run the bot call it through `python -m rasa_patches <rasa arguments>` (rasa_patches/__main__.py:
the Rasa server of stack/processes.py and deploy/, the Makefile's training and test stories). Rasa 3.6 has no hook
for this: its plugin manager only loads Rasa Plus. `applied()` reports which are in place, from
the live targets; the running server shows it at GET /webhooks/rest/patches
(channels/rest_with_metadata.py)."""

from __future__ import annotations

import functools
import inspect
import json
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Tuple, Type

import rasa
import rasa.core.actions.action as rasa_actions
import rasa.core.constants as rasa_constants
from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.tracker_store import SQLTrackerStore
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.core.events import Event
from rasa.shared.utils.io import get_text_hash

from conversation_store.tracker_store import MaskingSQLTrackerStore
from core.settings import settings

SUPPORTED_RASA_VERSIONS = ("3.6.21",)

_MISSING = object()
# What each patch applied in this process did: (Rasa's original, what replaced it) for a
# replacement, the checked methods for an override.
_records: Dict[str, Tuple[Any, ...]] = {}


class RasaPatchError(RuntimeError):
    """A patch does not fit the installed Rasa."""


def require_supported_rasa() -> str:
    """The installed Rasa's version, if the patches were written for it."""
    version = rasa.__version__
    if version not in SUPPORTED_RASA_VERSIONS:
        raise RasaPatchError(
            f"the project's patches of Rasa (rasa_patches) were written for Rasa {', '.join(SUPPORTED_RASA_VERSIONS)}, "
            f"not Rasa {version}: check each one against Rasa {version}, then add it to SUPPORTED_RASA_VERSIONS"
        )
    return version


def _qualified_name(owner: Any) -> str:
    return owner.__name__ if inspect.ismodule(owner) else f"{owner.__module__}.{owner.__qualname__}"


def _parameters(function: Any) -> Tuple[str, ...]:
    return tuple(inspect.signature(function).parameters)


def _is_rasa_function(function: Any, owner: type, parameters: Tuple[str, ...]) -> bool:
    """Whether `function` is `owner`'s own, defined in Rasa, with these parameters."""
    return (
        inspect.isfunction(function)
        and function.__module__ == owner.__module__
        and function.__qualname__ == f"{owner.__qualname__}.{function.__name__}"
        and _parameters(function) == parameters
    )


@dataclass(frozen=True)
class Patch:
    """`owner.attribute` (a module's or a class's own) replaced by `replacement(original)`, where
    `is_original` recognises Rasa's own."""

    name: str
    owner: Any
    attribute: str
    is_original: Callable[[Any], bool]
    replacement: Callable[[Any], Any]

    @property
    def target(self) -> str:
        return f"{_qualified_name(self.owner)}.{self.attribute}"

    def _current(self) -> Any:
        return vars(self.owner).get(self.attribute, _MISSING)

    def check(self) -> Any:
        """Rasa's original of the target, or RasaPatchError saying why the patch does not fit."""
        version = require_supported_rasa()
        current = self._current()
        if current is _MISSING:
            raise RasaPatchError(f"patch {self.name}: {self.target} is missing in Rasa {version}")
        earlier = _records.get(self.name)
        if earlier is not None and current is earlier[1]:
            return earlier[0]
        if not self.is_original(current):
            raise RasaPatchError(
                f"patch {self.name}: {self.target} in Rasa {version} is neither the one the patch was written for "
                "nor the patch itself"
            )
        return current

    def apply(self) -> None:
        original = self.check()
        replacement = self.replacement(original)
        setattr(self.owner, self.attribute, replacement)
        _records[self.name] = (original, replacement)

    def is_applied(self) -> bool:
        earlier = _records.get(self.name)
        return earlier is not None and self._current() is earlier[1]


@dataclass(frozen=True)
class Override:
    """Private methods of a Rasa class that a project subclass overrides: Rasa must still define
    them in that class, with the subclass's parameters, both coroutines or neither."""

    name: str
    base: type
    subclass: type
    methods: Tuple[str, ...]

    def problems(self) -> Tuple[str, ...]:
        found = []
        for method in self.methods:
            target = f"{_qualified_name(self.base)}.{method}"
            theirs, ours = vars(self.base).get(method), vars(self.subclass).get(method)
            if ours is None:
                found.append(f"{_qualified_name(self.subclass)} no longer overrides {method}")
            elif not _is_rasa_function(theirs, self.base, _parameters(ours)):
                found.append(f"{target} is missing or does not take the parameters {_parameters(ours)}")
            elif inspect.iscoroutinefunction(theirs) != inspect.iscoroutinefunction(ours):
                found.append(f"{target} and its override are not both coroutines")
        return tuple(found)

    def check(self) -> None:
        version = require_supported_rasa()
        found = self.problems()
        if found:
            raise RasaPatchError(f"patch {self.name} in Rasa {version}: {'; '.join(found)}")

    def apply(self) -> None:
        self.check()
        _records[self.name] = self.methods

    def is_applied(self) -> bool:
        return self.name in _records and not self.problems()


def action_timeout() -> float:
    """How long the Rasa server waits for the action server, in seconds."""
    return settings().action_timeout_seconds


def _is_rasa_action_timeout(value: Any) -> bool:
    # RemoteAction.run must read the module's constant when it calls the action server: were it to
    # hold a copy of its own, replacing the constant would change nothing.
    run = vars(rasa_actions.RemoteAction).get("run")
    return (
        value == rasa_constants.DEFAULT_REQUEST_TIMEOUT
        and inspect.isfunction(run)
        and "DEFAULT_REQUEST_TIMEOUT" in run.__code__.co_names
    )


@functools.lru_cache(maxsize=None)
def action_result_validator() -> Any:
    """A jsonschema validator of Rasa's action server answers, built once."""
    schema = rasa_actions.RemoteAction.action_response_format_spec()
    return validator_for(schema)(schema)


def validate_action_result(_: Any, result: Dict[str, Any]) -> bool:
    """Rasa's RemoteAction._validate_action_result, with the validator built once."""
    try:
        action_result_validator().validate(result)
    except ValidationError as e:
        e.message += (
            ". Failed to validate Action server response from API, make sure your response from the "
            f"Action endpoint is valid. For more information about the format visit {rasa_actions.DOCS_BASE_URL}"
            "/custom-actions"
        )
        raise
    return True


def remembering_event_classes(original: staticmethod) -> staticmethod:
    """Rasa's Event.resolve_by_type, remembering each name's class after its first lookup (the
    classes do not change while the server runs)."""
    resolve = original.__func__
    classes: Dict[str, Type[Event]] = {}

    def resolve_by_type(type_name: str, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
        cls = classes.get(type_name)
        if cls is None:
            cls = resolve(type_name, default)
            if cls is not None and cls is not default:
                classes[type_name] = cls
        return cls

    return staticmethod(resolve_by_type)


def token_fingerprint(original: Callable[[Token], str]) -> Callable[[Token], str]:
    """Rasa's Token.fingerprint in one hash of one JSON text (Rasa's own for data JSON cannot sort)."""

    def fingerprint(self: Token) -> str:
        try:
            text = json.dumps([self.text, self.start, self.end, self.lemma, self.data], sort_keys=True, default=str)
        except TypeError:  # keys of different types
            return original(self)
        return get_text_hash(text)

    return fingerprint


PATCHES = (
    Patch(
        "action_timeout",
        rasa_actions,
        "DEFAULT_REQUEST_TIMEOUT",
        is_original=_is_rasa_action_timeout,
        replacement=lambda _: action_timeout(),
    ),
    Patch(
        "action_result_validator",
        rasa_actions.RemoteAction,
        "_validate_action_result",
        is_original=lambda f: _is_rasa_function(f, rasa_actions.RemoteAction, ("self", "result")),
        replacement=lambda _: validate_action_result,
    ),
    Patch(
        "event_classes",
        Event,
        "resolve_by_type",
        is_original=lambda f: (
            isinstance(f, staticmethod) and _is_rasa_function(f.__func__, Event, ("type_name", "default"))
        ),
        replacement=remembering_event_classes,
    ),
    Patch(
        "token_fingerprint",
        Token,
        "fingerprint",
        is_original=lambda f: _is_rasa_function(f, Token, ("self",)),
        replacement=token_fingerprint,
    ),
    Override(
        "tracker_store_overrides", SQLTrackerStore, MaskingSQLTrackerStore, methods=("_retrieve", "_additional_events")
    ),
)


def apply() -> None:
    """Applies every patch, or none (RasaPatchError) if one does not fit the installed Rasa."""
    for patch in PATCHES:
        patch.check()
    for patch in PATCHES:
        patch.apply()


def applied() -> Dict[str, bool]:
    """Each patch's name, and whether it is in place in this process."""
    return {patch.name: patch.is_applied() for patch in PATCHES}
