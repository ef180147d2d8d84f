"""Attribution: touches on content, tracking events and rollups, creator codes, commissions."""
