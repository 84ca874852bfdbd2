"""Grows an IFC file for CityTwin's BIM import benchmark: the DATA section repeated N times.

Each copy gets fresh entity numbers (every `#n` shifted by the copy's offset) and fresh
GlobalIds (the last characters replaced by the copy number in IFC's base-64 alphabet), so every
element is a distinct element to an importer. The IfcProject (and what only it uses: units,
contexts and the owner history stay per copy, which is valid STEP) is kept once: copies
reference the original project, so the file has one project aggregating N sites.

    python3 grow_ifc.py SRC.ifc OUT.ifc COPIES
"""

import re
import sys

IFC64 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_$"


def main() -> None:
    src, out, copies = sys.argv[1], sys.argv[2], int(sys.argv[3])
    text = open(src, encoding="latin-1").read()
    head, rest = text.split("DATA;", 1)
    data, tail = rest.rsplit("ENDSEC;", 1)
    # Records: `#id=...;` up to the semicolon that ends them outside strings.
    records = re.findall(r"#(\d+)\s*=\s*((?:[^;']|'(?:[^']|'')*')*);", data)
    top = max(int(i) for i, _ in records)
    project = {i for i, body in records if body.lstrip().upper().startswith("IFCPROJECT(")}
    ref = re.compile(r"#(\d+)")
    gid = re.compile(r"^(\s*IFC\w+\s*\(\s*')([0-9A-Za-z_$]{22})'")
    with open(out, "w", encoding="latin-1") as f:
        f.write(head + "DATA;\n")
        for k in range(copies):
            off = k * top
            for i, body in records:
                if k > 0 and i in project:
                    continue
                if k > 0:
                    body = ref.sub(lambda m: "#" + (m.group(1) if m.group(1) in project else str(int(m.group(1)) + off)), body)
                    tag = IFC64[k % 64] + IFC64[(k // 64) % 64] + IFC64[(k // 4096) % 64]
                    body = gid.sub(lambda m: m.group(1) + m.group(2)[:19] + tag + "'", body)
                f.write(f"#{int(i) + (off if k > 0 else 0)}={body};\n")
        f.write("ENDSEC;" + tail)


if __name__ == "__main__":
    main()
