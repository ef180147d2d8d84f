"""What the centre's pages read: the creator's dashboard (``creator``), the sellers' affiliate
tab (``seller``), both over a ``period``, and the plan marketplace with invitations
(``marketplace``)."""
