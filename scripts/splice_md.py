#!/usr/bin/env python3
"""Replace the text between <!-- NAME begin --> and <!-- NAME end --> in a
markdown file with the contents of another file (atomically: a temporary
file in the same directory, then a rename).

  splice_md.py DOC NAME INSERT
"""
import os
import sys
import tempfile


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: splice_md.py DOC NAME INSERT")
    doc, name, ins = sys.argv[1:]
    text = open(doc).read()
    begin, end = f"<!-- {name} begin -->", f"<!-- {name} end -->"
    i, j = text.find(begin), text.find(end)
    if i < 0 or j < i:
        sys.exit(f"splice_md: {doc} has no {begin} ... {end} markers")
    new = text[:i + len(begin)] + "\n" + open(ins).read() + text[j:]
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(doc)))
    with os.fdopen(fd, "w") as f:
        f.write(new)
    os.replace(tmp, doc)


if __name__ == "__main__":
    main()
