"""The commission rule: which plan and rate a sale would pay, and what pending plans would pay."""
