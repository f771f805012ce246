"""Public pages, each role's home page, error pages and the NHS.UK assets."""
