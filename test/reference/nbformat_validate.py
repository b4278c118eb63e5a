"""Validates executed notebooks with Debian's python3-nbformat (written for this project).

    /usr/bin/python3 test/reference/nbformat_validate.py NOTEBOOK.ipynb [...]

Exits 0 when every notebook validates against its nbformat schema, else prints the first
validation error of each failing notebook and exits 1.
"""
import sys

import nbformat

bad = 0
for path in sys.argv[1:]:
    try:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        print(f"ok {path} (nbformat {nb.nbformat}.{nb.nbformat_minor})")
    except Exception as e:  # noqa: BLE001 - report every failure
        bad += 1
        print(f"INVALID {path}: {type(e).__name__}: {str(e)[:2000]}")
sys.exit(1 if bad else 0)
