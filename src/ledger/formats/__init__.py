"""The field's datasets in and out of a ledger: UCDP GED and Candidate, ACLED, HXL (HDX).

One module per format (`ucdp`, `acled`, `hxl`); all import through one mechanism
(`ledger.formats._release`), which turns a release or export into filings, revisions and
retractions, and appends them through the JSON Lines import path.
"""
