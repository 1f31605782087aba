"""Where conversations are kept: Rasa's SQL tracker store, with personal identifiers masked before
anything is stored, and the retention commands that delete old or requested conversations."""
