"""Every environment variable the project reads, in one place: its name, type, default and what
it is for. Each part reads them through `settings()` (or `Settings.from_env(env)` for a given
environment); a blank variable counts as unset. A value that does not fit its type stops the
process that reads it with one kind of error, `SettingError`, naming the variable and the value.

A messaging app's variables (its token, its API's address) are declared by its channel
(channels/messaging/, REQUIRED and OPTIONAL), so that adding an app touches no list here; they are
read by `text()`. The variables Rasa itself reads from endpoints.yml (ACTION_SERVER_URL,
REDIS_LOCK_DB and the RABBITMQ_* ones) are listed in deploy/README.md; the tests' own ports
(TEST_*) in tests/conftest.py."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

import yaml
from pydantic import BaseModel, Field, ValidationError, confloat, conint

from core.paths import KNOWLEDGE_DIR, PROJECT_ROOT, VAR_DIR

Port = conint(ge=1, le=65535)
Seconds = confloat(gt=0)
DEFAULT_RETENTION_DAYS = 365


class SettingError(ValueError):
    """An environment variable whose value does not fit its type."""


class Settings(BaseModel):
    """Each field's alias is its environment variable."""

    class Config:
        extra = "ignore"
        allow_mutation = False

    # --- the knowledge base --------------------------------------------------------------------
    knowledge_dir: Path = Field(KNOWLEDGE_DIR, alias="KNOWLEDGE_DIR", description="the knowledge base's YAML files")
    knowledge_db_url: str = Field(
        f"sqlite:///{VAR_DIR / 'knowledge.db'}", alias="KNOWLEDGE_DB_URL", description="the loaded knowledge base"
    )
    messages_file: Optional[Path] = Field(
        None, alias="MESSAGES_FILE", description="the bot's canned replies (default: messages.yml in KNOWLEDGE_DIR)"
    )

    # --- the conversation store ----------------------------------------------------------------
    tracker_db_url: Optional[str] = Field(
        None, alias="TRACKER_DB_URL", description="Rasa's tracker store (default: the SQLite file in endpoints.yml)"
    )
    unanswered_log: Path = Field(
        VAR_DIR / "log" / "unanswered.jsonl",
        alias="UNANSWERED_LOG",
        description="where unanswered messages wait while the tracker store's database is down",
    )

    # --- the Rasa server's channels ------------------------------------------------------------
    action_timeout_seconds: Seconds = Field(
        1.5, alias="ACTION_TIMEOUT_SECONDS", description="wait for the action server"
    )
    reply_deadline_seconds: Seconds = Field(
        1.8, alias="REPLY_DEADLINE_SECONDS", description="after this, the patient is told the bot cannot answer"
    )
    monitoring_token: Optional[str] = Field(
        None, alias="MONITORING_TOKEN", description="bearer token of the REST channel's monitoring routes"
    )
    secrets_required: bool = Field(
        False, alias="SECRETS_REQUIRED", description="every replica must be given the secrets (no file made)"
    )
    widget_secret: Optional[str] = Field(None, alias="WIDGET_SECRET", description="signs the widget's sessions")
    widget_secret_file: Optional[Path] = Field(None, alias="WIDGET_SECRET_FILE", description="... or a file holding it")
    channel_id_secret: Optional[str] = Field(
        None, alias="CHANNEL_ID_SECRET", description="keys the hash of a messaging app's user id"
    )
    channel_id_secret_file: Optional[Path] = Field(None, alias="CHANNEL_ID_SECRET_FILE", description="... or its file")
    widget_allowed_origins: Optional[str] = Field(
        None, alias="WIDGET_ALLOWED_ORIGINS", description="comma-separated sites that may embed the widget"
    )
    widget_session_hours: Optional[Seconds] = Field(
        None, alias="WIDGET_SESSION_HOURS", description="a widget session's life (default: credentials.yml, 24)"
    )
    redis_host: Optional[str] = Field(
        None, alias="REDIS_HOST", description="Redis for state shared by replicas (unset: kept in memory)"
    )
    redis_port: Port = Field(6379, alias="REDIS_PORT")
    redis_password: Optional[str] = Field(None, alias="REDIS_PASSWORD")
    redis_state_db: conint(ge=0) = Field(1, alias="REDIS_STATE_DB", description="Redis database of the channels' state")
    turn_lock_poll_seconds: Seconds = Field(
        0.02, alias="TURN_LOCK_POLL_SECONDS", description="how often a waiting turn checks the Redis lock"
    )
    messaging_api_timeout_seconds: confloat(ge=0.1) = Field(
        10.0, alias="MESSAGING_API_TIMEOUT_SECONDS", description="wait for a messaging app's API"
    )

    # --- the review console --------------------------------------------------------------------
    console_db_url: str = Field(
        f"sqlite:///{VAR_DIR / 'console.db'}", alias="CONSOLE_DB_URL", description="the console's own tables"
    )
    console_session_idle_minutes: Seconds = Field(30, alias="CONSOLE_SESSION_IDLE_MINUTES")
    console_session_max_hours: Seconds = Field(10, alias="CONSOLE_SESSION_MAX_HOURS")
    console_low_confidence: confloat(ge=0, le=1) = Field(
        0.6, alias="CONSOLE_LOW_CONFIDENCE", description="the list's default 'low confidence' threshold"
    )
    console_secure_cookies: bool = Field(
        False, alias="CONSOLE_SECURE_COOKIES", description="behind HTTPS: cookies only over HTTPS"
    )

    # --- make run (stack/run.py) ---------------------------------------------------------------
    run_dir: Path = Field(VAR_DIR, alias="RUN_DIR", description="the databases and logs of `make run`")
    rasa_port: Port = Field(5005, alias="RASA_PORT")
    actions_port: Port = Field(5055, alias="ACTIONS_PORT")
    rasa_interface: str = Field("127.0.0.1", alias="RASA_INTERFACE")
    widget_port: Port = Field(8080, alias="WIDGET_PORT")
    console_port: Port = Field(8070, alias="CONSOLE_PORT")

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> Settings:
        env = os.environ if env is None else env
        return _parse(tuple((name, (env.get(name) or "").strip()) for name in VARIABLES))

    def value(self, variable: str) -> Any:
        """A setting by its variable's name."""
        return getattr(self, _FIELDS[variable])

    def given(self, variable: str) -> bool:
        """Whether the variable was set (not left to its default)."""
        return _FIELDS[variable] in self.__fields_set__

    def messages_path(self) -> Path:
        return self.messages_file or self.knowledge_dir / "messages.yml"

    def tracker_store_url(self, endpoints: Path = PROJECT_ROOT / "endpoints.yml") -> str:
        """TRACKER_DB_URL, else the SQLite file endpoints.yml names."""
        if self.tracker_db_url:
            return self.tracker_db_url
        db = Path(tracker_store_config(endpoints).get("db") or "var/tracker.db")
        return f"sqlite:///{db if db.is_absolute() else PROJECT_ROOT / db}"

    def widget_origins(self) -> Optional[List[str]]:
        if self.widget_allowed_origins is None:
            return None
        return [o.strip() for o in self.widget_allowed_origins.split(",") if o.strip()]


_FIELDS: Dict[str, str] = {field.alias: name for name, field in Settings.__fields__.items()}
VARIABLES: Tuple[str, ...] = tuple(_FIELDS)


@lru_cache(maxsize=32)
def _parse(given: Tuple[Tuple[str, str], ...]) -> Settings:
    values = {name: value for name, value in given if value}
    try:
        return Settings(**values)
    except ValidationError as e:
        problems = []
        for error in e.errors():
            variable = str(error["loc"][0])
            problems.append(f"{variable}={values.get(variable, '')!r}: {error['msg']}")
        raise SettingError("Environment variable not usable: " + "; ".join(problems)) from None


def text(variable: str, env: Optional[Mapping[str, str]] = None) -> Optional[str]:
    """A variable that a part declares itself, beside the code that needs it (a messaging app's
    credentials and addresses, channels/messaging/), read by the same rule: None when unset or blank."""
    value = ((os.environ if env is None else env).get(variable) or "").strip()
    return value or None


def settings() -> Settings:
    """The settings of this process's environment as it is now (parsed again only when it changed)."""
    return Settings.from_env()


def tracker_store_config(endpoints: Path = PROJECT_ROOT / "endpoints.yml") -> Dict[str, Any]:
    """The tracker store's section of endpoints.yml."""
    with endpoints.open() as f:
        return (yaml.safe_load(f) or {}).get("tracker_store") or {}


def retention_days(endpoints: Path = PROJECT_ROOT / "endpoints.yml") -> float:
    return float(tracker_store_config(endpoints).get("retention_days") or DEFAULT_RETENTION_DAYS)
