"""Free samples: a creator asks for one, the seller sends it (a free order) or declines."""
