# Read by gunicorn when started from the repository root (the production topology in README).
# Access and error logs go through the same redaction as the application's logs.
logger_class = "interview_platform.gunicorn_logger.RedactingLogger"
