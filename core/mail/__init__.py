"""Mail: rendered from templates, queued through the outbox, sent by SMTP or written to files."""
