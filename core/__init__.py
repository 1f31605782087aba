"""What the bot, the evaluation and the review console share, and nothing of their own: the
conventions each of them must read the same way."""
