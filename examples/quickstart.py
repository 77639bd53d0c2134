"""Clean a machine-translated paragraph and show what changed, where and why.

Run: python examples/quickstart.py
"""

import textfix

TEXT = (
    "[ad_1]\n"
    "The talks are in neutrality since the minister left.Officials said little..\n"
    "Source link"
)

result = textfix.clean(TEXT)
print(result.text)
print()
print(result.explain())
print()
print(result.diff(fromfile="scraped.txt", tofile="cleaned.txt"))
