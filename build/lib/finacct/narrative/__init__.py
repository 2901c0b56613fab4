"""The 情况说明: its text (text.py), its claims (claims.py, items.csv), drafts (draft.py,
drivers.py) and the side-by-side comparison (compare.py)."""
