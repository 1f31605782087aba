"""`make evaluate`: scores a question file through the running bot (shared/eval-format.md)."""
