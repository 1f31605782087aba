"""The review console: a web application where support staff read the bot's conversations, tag and
review them, flag misunderstood messages for retraining, and export what they found."""
