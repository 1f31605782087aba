"""The messaging apps' one list (credentials.yml, read by channels/registry.py): each entry's
channel answers to its module's name and has its guide, so that `make run`, the retention commands
and the tests that iterate over the apps see every app and nothing else."""

from __future__ import annotations

import pytest

from channels.messaging.webhook import MessagingChannel
from channels.registry import channel_class, guide, messaging_apps
from core.paths import PROJECT_ROOT
from maintenance.retention import main as retention_main
from tests.helpers.platform_webhooks import APP_SHAPES


def test_the_list_holds_the_five_apps_in_credentials_order() -> None:
    assert messaging_apps() == ["telegram", "slack", "messenger", "sms", "whatsapp"]


@pytest.mark.parametrize("app", messaging_apps())
def test_each_app_is_a_messaging_channel_named_as_its_module_with_a_guide(app: str) -> None:
    channel = channel_class(app)
    assert issubclass(channel, MessagingChannel) and channel.name() == app
    assert (PROJECT_ROOT / guide(app)).is_file() and channel.guide() == guide(app)


def test_the_tests_know_how_each_app_sends_its_messages() -> None:
    """Every app's patient in the tests (tests/helpers/platform_webhooks.py: its ids, its signed
    requests, its acknowledgement) is described in one entry, and there is one per listed app."""
    assert sorted(APP_SHAPES) == sorted(messaging_apps())


def test_the_retention_command_offers_exactly_the_listed_apps(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit):
        retention_main(["forget", "--channel", "fax", "--user", "123"])
    assert "choose from 'telegram', 'slack', 'messenger', 'sms', 'whatsapp'" in capsys.readouterr().err
