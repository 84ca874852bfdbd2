"""Grows a CityGML file to a size by repeating its city objects with fresh gml:ids.

    python3 grow_citygml.py SOURCE.gml OUT.gml SIZE_MB

The header (up to the first cityObjectMember) and the footer are kept; each copy k of every
cityObjectMember gets `-k` appended to its gml:ids and to the xlink:href references to them, so
ids stay unique. Standard library only.
"""
import re
import sys

src, out, size_mb = sys.argv[1], sys.argv[2], float(sys.argv[3])
text = open(src, encoding="utf-8").read()
first = text.index("<core:cityObjectMember>")
last = text.rindex("</core:cityObjectMember>") + len("</core:cityObjectMember>")
head, body, foot = text[:first], text[first:last], text[last:]
ids = re.compile(r'(gml:id="|xlink:href="#)([^"]+)"')
target = size_mb * 1e6
written = len(head) + len(foot)
with open(out, "w", encoding="utf-8") as f:
    f.write(head)
    k = 0
    while written < target:
        copy = ids.sub(lambda m, k=k: f'{m.group(1)}{m.group(2)}-{k}"', body)
        f.write(copy)
        written += len(copy)
        k += 1
    f.write(foot)
print(f"{out}: {written / 1e6:.0f} MB, {k} copies of {body.count('<core:cityObjectMember>')} objects", file=sys.stderr)
