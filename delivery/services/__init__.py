"""Domain services. Each receives a SQLAlchemy session and never commits: the caller owns the
unit of work (one per action call or HTTP request)."""
