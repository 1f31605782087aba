"""Custom Rasa NLU components of the project, named in config.yml."""
