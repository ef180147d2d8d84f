"""Attribution's pages: the tracking beacon (``tracking``) and creator codes (``codes``), one
blueprint each."""
