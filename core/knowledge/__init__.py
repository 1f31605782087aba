"""The knowledge base: YAML under `knowledge/`, validated and loaded into a SQL database."""
