"""The project's own spaCy pipeline, assembled offline from spaCy's blank English."""
