"""Cart, checkout, payments, orders, their timeline, refunds and the jobs that move them on."""
