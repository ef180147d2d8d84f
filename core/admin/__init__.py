"""The admin area: users and roles, suspensions, and the audit log."""
