"""Horizon scanning: the literature and safety feeds leads follow, and what scanning found.

The pure work (fetching safely, parsing, normalising, de-duplicating) is the `scanners`
library; this package stores feeds and items, schedules scans and shows them to leads.
Scans run in `flask scan` and `flask worker`, never in a web request.
"""
