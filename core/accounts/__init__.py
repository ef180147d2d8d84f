"""Accounts: users, their roles, sign-up and sign-in, and the checks every view uses."""
