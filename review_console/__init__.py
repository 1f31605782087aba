"""The review console: a web application where support staff read the bot's conversations, tag and
review them, flag misunderstood messages for retraining, and export what they found.
`flask --app review_console` finds its app factory here (review_console/app.py)."""

from review_console.app import create_app

__all__ = ["create_app"]
