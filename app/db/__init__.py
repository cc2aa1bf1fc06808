"""chemassist's database: models, engine and migrations."""
