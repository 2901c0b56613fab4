"""finacct: Chinese department final-accounts disclosures (部门决算公开) as clean tables,
checked, explained and drawn."""
from finacct.corpus import Corpus
from finacct.errors import UnreadableError
from finacct.load import load
from finacct.model import Disclosure
from finacct.narrative.draft import explain

__version__ = "0.1.0"
__all__ = ["Corpus", "Disclosure", "UnreadableError", "explain", "load", "__version__"]
