"""The search index's keys as keyed hashes (issue 11 item 1; domain.md §7: CloudTrail logs the key values of
every DynamoDB data event in clear, a Query's key condition included).

The counter searches the NHI file by kana prefix, birth date, 住民コード, postal code (+ address prefix). Every
key of the search index is an HMAC-SHA256 of what it indexes under the search-index secret — its own secret,
not the My Number keyed hash's (kokuho.records.search_index keeps it, wrapped by the personal-data key) — so a
reader of the trail or of the table's keys learns only which hashed tokens are equal, never a name, a date or
an address. Without the secret, a token cannot be tested against a guessed name (unlike a plain hash).

- Exact tokens (one partition of the index each, sort key the person id — the order of today's exact
  searches): `resident` (住民コード), `birth` (birth date), `kana` (the whole normalized kana name) and
  `address` (postal code + whole address).
- Ordered prefix searches (kana prefix; postal code, optionally with an address prefix) keep their order —
  by the kana (the address), then the person id — through a directory: one item per distinct name (address)
  under the hashed prefix (the postal code), the name itself held as a non-key attribute (never logged, as
  the profile's name is not), its sort key the name's exact token. A search reads the directory of its
  prefix, keeps the names that start with the query, sorts them and reads their exact partitions in that
  order, a page at a time. Directories of the kana's first KANA_PREFIX_LENGTHS letters: a query reads the
  directory of its longest prefix of those lengths and keeps the names it starts with.

Trade-off (docs/search_index.md): a person has 4 index keys (3 items, the profile the 4th) and up to
DIRECTORY_ENTRIES directory entries (shared with everyone of the same name or address, written only when new);
a reader of the keys learns how many distinct names share a hashed prefix and which persons share a hashed name,
birth date, code or address — equality only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

# Directories of the kana's first letter and first three: a query of one or two letters reads the first
# letter's (every name under it: rare at the counter), a longer one the three letters' (a few hundred names
# at most in a city: under タナカ), and keeps the names it starts with.
KANA_PREFIX_LENGTHS = (1, 3)
DIRECTORY_ENTRIES = len(KANA_PREFIX_LENGTHS) + 1  # a person's: the kana directories and the address's
TOKEN_CHARS = 22  # 132 bits of the HMAC (base64url): no collision among a city's names, short keys
SEP = "\x1f"  # between the parts hashed (a kind, a postal code and an address): no part holds it


class SearchTokens:
    """The keyed hashes of the search index, under one secret (32 random bytes)."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 32:
            raise ValueError("the search-index secret is 256 bits")
        self._secret = secret

    def _h(self, kind: str, *parts: str) -> str:
        mac = hmac.new(self._secret, SEP.join((kind, *parts)).encode("utf-8"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode("ascii")[:TOKEN_CHARS]

    # -- exact partitions of the index (gsi1pk; gsi1sk is the person id)
    def resident(self, code: str) -> str:
        return f"RES#{self._h('RES', code)}"

    def birth(self, birth_date: str) -> str:
        return f"BIRTH#{self._h('BIRTH', birth_date)}"

    def kana(self, kana: str) -> str:
        """`kana`: normalized (kokuho.qualification.model.normalize_kana)."""
        return f"KANA#{self._h('KANA', kana)}"

    def address(self, postal_code: str, address: str) -> str:
        return f"POSTAL#{self._h('POSTAL', postal_code, address)}"

    # -- directories (table partitions: pk; sk is a name's or an address's exact token)
    def kana_directory(self, prefix: str) -> str:
        return f"KANADIR#{self._h('KANADIR', prefix)}"

    def address_directory(self, postal_code: str) -> str:
        return f"ADDRDIR#{self._h('ADDRDIR', postal_code)}"

    def query(self, criteria: str) -> str:
        """A search's criteria (kokuho.access.limits.criteria_text), for the pages-per-query counter's key."""
        return self._h("QUERY", criteria)

    def search(self, index: str, value: str, prefix: str | None) -> str:
        """Binds a page token to its search (a token of another search is refused)."""
        return self._h("SEARCH", index, value, prefix or "")


def kana_prefixes(kana: str) -> list[str]:
    """The prefixes of a normalized kana name that have a directory entry for it."""
    return list(dict.fromkeys(kana[:n] for n in KANA_PREFIX_LENGTHS if kana))


def kana_directory_prefix(query: str) -> str:
    """The directory a kana-prefix query reads (it then keeps the names that start with the query)."""
    return query[:max(n for n in KANA_PREFIX_LENGTHS if n <= max(len(query), 1))]
