"""Storage: SQLAlchemy 2 models (separate from the API's models) and the database engine."""
