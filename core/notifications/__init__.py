"""In-app notifications: short notices for one user, listed on a page and counted in the bell."""
