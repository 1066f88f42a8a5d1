"""Browser tests: the report renders, offline and safely, in headless Chromium."""
