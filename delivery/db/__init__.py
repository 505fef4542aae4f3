"""The order database: models, column types and sessions."""
