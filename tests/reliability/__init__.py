"""Reliability suite: bad input, killed builds, concurrent builds, failing chapters."""
