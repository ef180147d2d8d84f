"""Disputes both ways: a seller contests a pending commission as fraud, a creator claims a
missing commission or contests a reversal; finance answers each case within a deadline, both
sides see the case and its timeline, every step is audited and decisions post the entries."""
