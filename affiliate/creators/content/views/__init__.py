"""The content pages: videos and the feed (``videos``), lives (``lives``) and the yellow cart's
doors into the shop (``yellowcart``), one blueprint each."""
