"""What every page shares: error pages, request hooks and logging, template helpers, pagination."""
