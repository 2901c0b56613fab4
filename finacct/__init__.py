"""finacct: Chinese department final-accounts disclosures (部门决算公开) as clean tables."""
from finacct.errors import UnreadableError
from finacct.load import load
from finacct.model import Disclosure

__version__ = "0.1.0"
__all__ = ["Disclosure", "UnreadableError", "load", "__version__"]
