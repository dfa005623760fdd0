"""Log output for every process: where lines go, their format, and what they may never hold.

- configuration: LOG_LEVEL, LOG_FORMAT (text or JSON), handlers on stderr.
- redaction: tokens, codes and secrets removed from every line, exception and stack.
"""
