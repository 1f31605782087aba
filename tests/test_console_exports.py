"""The console's CSV export defuses spreadsheet formulas in every cell (in process, through
review_console.exports' public functions)."""

from __future__ import annotations

import csv
import io

from core.rasa_events import BotMessage, PatientMessage
from review_console.exports import conversations_csv


def test_a_formula_in_any_cell_is_defused() -> None:
    sender = '=HYPERLINK("https://evil.example","open")'
    patient = PatientMessage(1, 1_700_000_000.0, "+44 is my code, will it hurt?", "@intent", 0.9, [], "rest")
    bot = BotMessage(2, 1_700_000_001.0, "-it may sting", "-topic", [{"citation": "=cmd|' /C calc'!A0"}], [])
    rows = list(csv.DictReader(io.StringIO(conversations_csv({sender: [patient, bot]}))))
    cells = [value for row in rows for value in row.values() if value]
    assert all(not cell.startswith(("=", "+", "-", "@")) for cell in cells), cells
    assert rows[0]["conversation_id"] == "'" + sender
    assert rows[0]["text"] == "'+44 is my code, will it hurt?"
