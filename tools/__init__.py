"""Pure chemistry domain code: no UI, no language model, no database."""
