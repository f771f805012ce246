"""Full-text search over ideas and scanned literature (Whoosh behind a small adapter)."""
