"""Demo data for a fresh machine: every seeder, in one ordered list."""
