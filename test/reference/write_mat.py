"""MAT-file fixtures for `test/data/matfile.test.ts` (the reader in `lib/data/matfile*.ts`).

Written for this project. Run with Debian's python (scipy + h5py):
  /usr/bin/python3 test/reference/write_mat.py OUT_DIR
Writes into OUT_DIR:
  act_v5.mat, act_v5z.mat, act_v73.mat      CVACT's ACT_data.mat layout (panoIds, utm, trainSet,
                                             valSet, testSet): scipy format 5 uncompressed and
                                             compressed, and MATLAB v7.3 (HDF5) written with h5py
  classes_v5.mat, classes_v5z.mat,           every numeric class, logical, complex, char matrices,
  classes_v73.mat                            nested cells/structs, a struct array, empty arrays
  hand_le.mat, hand_be.mat                   assembled byte by byte: both byte orders, small data
                                             elements, storage types other than the class
                                             (a double stored as miUINT8 ...), miUTF16/miUINT16
                                             chars, an empty miMATRIX, miCOMPRESSED in big-endian
  sparse.mat, object.mat, funchandle.mat     classes the reader refuses
  random.bin, truncated_v5.mat, truncated_v5z.mat, truncated_v73.mat, text.mat  broken inputs
  expected.json                              per readable file, every variable as the reader's
                                             MatValue (numbers that JSON cannot hold as strings)
Prints the list of files on stdout.
"""
import json
import os
import struct
import sys
import zlib

import h5py
import numpy as np
import scipy.io
import scipy.sparse


# ---------------------------------------------------------------- a MATLAB-side description
class Char:
    """A MATLAB char matrix: rows of equal length (one row: a string; no rows: '' = 0x0)."""

    def __init__(self, *rows):
        assert len({len(r) for r in rows}) <= 1
        self.rows = list(rows)
        self.dims = [0, 0] if not rows or rows == ("",) else [len(rows), len(rows[0])]


class Cell:
    def __init__(self, dims, items):  # items in column-major order
        assert int(np.prod(dims)) == len(items)
        self.dims, self.items = list(dims), items


class Struct:
    def __init__(self, dims, fields, elements):  # elements: dicts, column-major order
        assert int(np.prod(dims)) == len(elements)
        self.dims, self.fields, self.elements = list(dims), fields, elements


CLASS_OF = {
    "float64": "double", "float32": "single", "int8": "int8", "uint8": "uint8",
    "int16": "int16", "uint16": "uint16", "int32": "int32", "uint32": "uint32",
    "int64": "int64", "uint64": "uint64", "complex128": "double", "complex64": "single",
    "bool": "uint8",
}


def num(x):
    """A JSON number, or a string for what JSON lacks (NaN, +-Infinity, integers beyond 2^53)."""
    x = x.item() if hasattr(x, "item") else x
    if isinstance(x, bool):
        return int(x)
    if isinstance(x, int):
        return x if abs(x) <= 2**53 else str(x)
    if x != x:
        return "NaN"
    if x in (float("inf"), float("-inf")):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def expected(v):
    """The MatValue the TypeScript reader must return for v."""
    if isinstance(v, Char):
        return {"kind": "char", "dims": v.dims, "rows": [] if v.dims == [0, 0] else v.rows}
    if isinstance(v, Cell):
        return {"kind": "cell", "dims": v.dims, "cells": [expected(c) for c in v.items]}
    if isinstance(v, Struct):
        return {"kind": "struct", "dims": v.dims, "fieldNames": v.fields,
                "elements": [{f: expected(e[f]) for f in v.fields} for e in v.elements]}
    a = np.asarray(v)
    assert a.ndim >= 2
    flat = a.flatten(order="F")
    out = {"kind": "numeric", "class": CLASS_OF[a.dtype.name], "dims": list(a.shape)}
    if np.iscomplexobj(a):
        out["data"] = [num(x) for x in flat.real]
        out["imag"] = [num(x) for x in flat.imag]
    else:
        out["data"] = [num(x) for x in flat]
    if a.dtype == np.bool_:
        out["logical"] = True
    return out


# ---------------------------------------------------------------- scipy (format 5)
def to_scipy(v):
    if isinstance(v, Char):
        return "" if v.dims == [0, 0] else np.array(v.rows)
    if isinstance(v, Cell):
        a = np.empty(len(v.items), dtype=object)
        for i, c in enumerate(v.items):
            a[i] = to_scipy(c)
        return a.reshape(v.dims, order="F")
    if isinstance(v, Struct):
        a = np.empty(len(v.elements), dtype=[(f, object) for f in v.fields])
        for i, e in enumerate(v.elements):
            for f in v.fields:
                a[i][f] = to_scipy(e[f])
        return a.reshape(v.dims, order="F")
    return v


def save_v5(path, variables, compress):
    scipy.io.savemat(path, {k: to_scipy(v) for k, v in variables.items()},
                     format="5", do_compression=compress, oned_as="column")


# ---------------------------------------------------------------- h5py (MATLAB v7.3 layout)
def ascii_attr(obj, name, text):
    obj.attrs.create(name, np.bytes_(text))


class V73Writer:
    """MATLAB's HDF5 layout: dims reversed on disk (numpy's .T of the MATLAB array),
    MATLAB_class on every variable, cells and struct-array fields as object references into
    '#refs#', a 1x1 struct as a group, empty arrays as their dims with MATLAB_empty."""

    def __init__(self, f):
        self.f = f
        self.refs = f.create_group("#refs#")
        self.n = 0

    def ref_to(self, v):
        name = f"r{self.n}"
        self.n += 1
        self.write(self.refs, name, v)
        return self.refs[name].ref

    def refs_dataset(self, parent, name, dims, values):
        refs = np.empty(len(values), dtype=h5py.ref_dtype)
        for i, x in enumerate(values):
            refs[i] = self.ref_to(x)
        return parent.create_dataset(name, data=refs.reshape(dims, order="F").T)

    def empty(self, parent, name, cls, dims):
        d = parent.create_dataset(name, data=np.array(dims, dtype=np.uint64))
        ascii_attr(d, "MATLAB_class", cls)
        d.attrs.create("MATLAB_empty", np.uint8(1))
        return d

    def write(self, parent, name, v):
        if isinstance(v, Char):
            if v.dims == [0, 0]:
                d = self.empty(parent, name, "char", [0, 0])
            else:
                codes = np.array([[ord(ch) for ch in r] for r in v.rows], dtype=np.uint16)
                d = parent.create_dataset(name, data=codes.T)
                ascii_attr(d, "MATLAB_class", "char")
            d.attrs.create("MATLAB_int_decode", np.int32(2))
        elif isinstance(v, Cell):
            if 0 in v.dims:
                self.empty(parent, name, "cell", v.dims)
            else:
                ascii_attr(self.refs_dataset(parent, name, v.dims, v.items), "MATLAB_class", "cell")
        elif isinstance(v, Struct):
            g = parent.create_group(name)
            ascii_attr(g, "MATLAB_class", "struct")
            fields = np.empty(len(v.fields), dtype=h5py.vlen_dtype(np.dtype("S1")))
            for i, fname in enumerate(v.fields):
                fields[i] = np.array([c.encode() for c in fname], dtype="S1")
            g.attrs.create("MATLAB_fields", fields)
            if v.dims == [1, 1]:
                for fname in v.fields:
                    self.write(g, fname, v.elements[0][fname])
            else:  # a struct array: one reference dataset per field, no MATLAB_class on it
                for fname in v.fields:
                    self.refs_dataset(g, fname, v.dims, [e[fname] for e in v.elements])
        else:
            a = np.asarray(v)
            cls = "logical" if a.dtype == np.bool_ else CLASS_OF[a.dtype.name]
            if a.size == 0:
                self.empty(parent, name, cls, list(a.shape))
                return
            if np.iscomplexobj(a):
                part = a.real.dtype
                c = np.empty(a.shape, dtype=[("real", part), ("imag", part)])
                c["real"], c["imag"] = a.real, a.imag
                a = c
            elif a.dtype == np.bool_:
                a = a.astype(np.uint8)
            # MATLAB compresses larger arrays (chunked, deflate): so do some of these
            d = parent.create_dataset(name, data=a.T, compression="gzip" if a.size >= 6 else None)
            ascii_attr(d, "MATLAB_class", cls)


def save_v73(path, variables):
    with h5py.File(path, "w", userblock_size=512) as f:
        w = V73Writer(f)
        for k, v in variables.items():
            w.write(f, k, v)
    text = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon Jan  1 00:00:00 2024 HDF5 schema 1.00 ."
    header = text.ljust(116, b" ") + b"\0" * 8 + struct.pack("<H", 0x0200) + b"IM"
    with open(path, "r+b") as fh:
        fh.write(header)


# ---------------------------------------------------------------- hand-assembled Level 5
MI = {"int8": 1, "uint8": 2, "int16": 3, "uint16": 4, "int32": 5, "uint32": 6, "single": 7,
      "double": 9, "int64": 12, "uint64": 13, "matrix": 14, "compressed": 15, "utf8": 16,
      "utf16": 17, "utf32": 18}
MX = {"cell": 1, "struct": 2, "object": 3, "char": 4, "sparse": 5, "double": 6, "single": 7,
      "int8": 8, "uint8": 9, "int16": 10, "uint16": 11, "int32": 12, "uint32": 13, "int64": 14,
      "uint64": 15, "function": 16}
PACK = {"int8": "b", "uint8": "B", "int16": "h", "uint16": "H", "int32": "i", "uint32": "I",
        "single": "f", "double": "d", "int64": "q", "uint64": "Q"}


class Hand:
    def __init__(self, e):
        self.e = e  # '<' or '>'

    def element(self, mi, payload, small=True):
        if small and len(payload) <= 4 and mi not in (MI["matrix"], MI["compressed"]):
            return struct.pack(self.e + "I", (len(payload) << 16) | mi) + payload.ljust(4, b"\0")
        body = struct.pack(self.e + "II", mi, len(payload)) + payload
        return body if mi == MI["compressed"] else body + b"\0" * (-len(body) % 8)

    def values(self, mi_name, xs, small=True):
        return self.element(MI[mi_name], struct.pack(self.e + PACK[mi_name] * len(xs), *xs), small)

    def matrix(self, name, cls, dims, parts, complex_=False, logical=False):
        flags = (0x08 if complex_ else 0) | (0x02 if logical else 0)
        body = (self.values("uint32", [(flags << 8) | MX[cls], 0])
                + self.values("int32", dims)
                + self.element(MI["int8"], name.encode())
                + b"".join(parts))
        return self.element(MI["matrix"], body)

    def compressed(self, element):
        return self.element(MI["compressed"], zlib.compress(element))

    def header(self):
        text = b"MATLAB 5.0 MAT-file, written by test/reference/write_mat.py".ljust(116, b" ")
        return text + b"\0" * 8 + struct.pack(self.e + "H", 0x0100) + struct.pack(self.e + "H", 0x4D49)

    def utf16(self, s):
        return self.element(MI["utf16"], s.encode("utf-16-le" if self.e == "<" else "utf-16-be"))


def hand_file(e):
    h = Hand(e)
    els, exp = [], {}
    # double class stored as miUINT8 (6 bytes: a normal element, padded)
    els.append(h.matrix("dbl_u8", "double", [2, 3], [h.values("uint8", [1, 2, 3, 4, 5, 250])]))
    exp["dbl_u8"] = expected(np.array([[1, 3, 5], [2, 4, 250]], dtype=np.float64))
    # double class stored as miINT16 in a small data element
    els.append(h.matrix("dbl_small", "double", [1, 2], [h.values("int16", [-7, 300])]))
    exp["dbl_small"] = expected(np.array([[-7, 300]], dtype=np.float64))
    # single stored as miINT32; int16 stored as miUINT8 (small)
    els.append(h.matrix("sgl_i32", "single", [3, 1], [h.values("int32", [-100000, 0, 7])]))
    exp["sgl_i32"] = expected(np.array([[-100000], [0], [7]], dtype=np.float32))
    els.append(h.matrix("i16_u8", "int16", [1, 3], [h.values("uint8", [1, 2, 255])]))
    exp["i16_u8"] = expected(np.array([[1, 2, 255]], dtype=np.int16))
    # complex: real part miINT8, imaginary part miDOUBLE
    els.append(h.matrix("cplx", "double", [2, 1], [h.values("int8", [-1, 2]), h.values("double", [0.5, -2.25])],
                        complex_=True))
    exp["cplx"] = expected(np.array([[-1 + 0.5j], [2 - 2.25j]]))
    # logical stored miUINT8 small
    els.append(h.matrix("lg", "uint8", [1, 3], [h.values("uint8", [1, 0, 1])], logical=True))
    exp["lg"] = expected(np.array([[True, False, True]]))
    # chars: miUINT16 (MATLAB's default), miUTF16, miUTF8 multi-byte
    els.append(h.matrix("c_u16", "char", [2, 2], [h.values("uint16", [ord(c) for c in "abcd"])]))
    exp["c_u16"] = expected(Char("ac", "bd"))
    els.append(h.matrix("c_utf16", "char", [1, 3], [h.utf16("Ωé!")]))
    exp["c_utf16"] = expected(Char("Ωé!"))
    els.append(h.matrix("c_utf8", "char", [1, 3], [h.element(MI["utf8"], "añ日".encode())]))
    exp["c_utf8"] = expected(Char("añ日"))
    # a cell holding an empty miMATRIX (no subelements at all) and a uint8 scalar
    cell = h.element(MI["matrix"], b"") + h.matrix("", "uint8", [1, 1], [h.values("uint8", [9])])
    els.append(h.matrix("cl", "cell", [1, 2], [cell]))
    exp["cl"] = {"kind": "cell", "dims": [1, 2], "cells": [
        {"kind": "numeric", "class": "double", "dims": [0, 0], "data": []},
        expected(np.array([[9]], dtype=np.uint8))]}
    # a struct with field name length 8, and the same struct inside miCOMPRESSED
    names = b"".join(n.ljust(8, b"\0") for n in (b"a", b"bb"))

    def struct_el(name):
        return h.matrix(name, "struct", [1, 1], [
            h.values("int32", [8]), h.element(MI["int8"], names),
            h.matrix("", "double", [1, 1], [h.values("double", [1.5])]),
            h.matrix("", "char", [1, 2], [h.values("uint16", [ord("h"), ord("i")])])])
    st_exp = {"kind": "struct", "dims": [1, 1], "fieldNames": ["a", "bb"], "elements": [
        {"a": expected(np.array([[1.5]])), "bb": expected(Char("hi"))}]}
    els.append(struct_el("st"))
    exp["st"] = st_exp
    els.append(h.compressed(struct_el("sz")))
    exp["sz"] = st_exp
    # int64 / uint64 extremes (as doubles: the reader returns Float64Array)
    els.append(h.matrix("i64", "int64", [1, 2], [h.values("int64", [-2**63, 2**62 + 1])]))
    exp["i64"] = expected(np.array([[-2**63, 2**62 + 1]], dtype=np.int64))
    return h.header() + b"".join(els), exp


def refused_files(out):
    h = Hand("<")
    # an object: class name then fields like a struct
    obj = h.matrix("obj", "object", [1, 1], [
        h.element(MI["int8"], b"MyClass"), h.values("int32", [8]), h.element(MI["int8"], b"x".ljust(8, b"\0")),
        h.matrix("", "double", [1, 1], [h.values("double", [1.0])])])
    with open(os.path.join(out, "object.mat"), "wb") as fh:
        fh.write(h.header() + obj)
    fh_ = h.matrix("fh", "function", [1, 1], [])
    with open(os.path.join(out, "funchandle.mat"), "wb") as fh:
        fh.write(h.header() + h.matrix("ok", "double", [1, 1], [h.values("double", [2.0])]) + fh_)


# ---------------------------------------------------------------- contents
def act_variables():
    ids = ["-0cEvtfHHTDbA1ODBDHQtA", "__a8UXNJ8V4aKA1WmKaH3A", "3P5n0X-mEyUWYbK9eqqnNw",
           "ZvdTZlqB5iXhwBwzRvbdfQ", "zz_Last-IdAq0123456789"]
    utm = np.array([[349125.25, 6086012.5], [349130.0, 6086020.75], [349140.125, 6086031.0],
                    [351000.5, 6090000.25], [352500.0, 6091234.5]])
    one = lambda fields: Struct([1, 1], list(fields), [fields])
    return {
        "panoIds": Cell([5, 1], [Char(s) for s in ids]),
        "utm": utm,
        "trainSet": one({"trainInd": np.array([[1.0], [2.0], [4.0]])}),
        "valSet": one({"valInd": np.array([[3.0], [5.0]])}),
        "testSet": one({"testInd": np.array([[5.0]])}),
    }


def classes_variables():
    v = {}
    ints = {"int8": [-128, 127, 0, -1], "uint8": [0, 255, 1, 2], "int16": [-32768, 32767, 5, -6],
            "uint16": [0, 65535, 7, 8], "int32": [-2**31, 2**31 - 1, 9, -10],
            "uint32": [0, 2**32 - 1, 11, 12], "int64": [-2**63, 2**63 - 1, 2**53 + 2, -14],
            "uint64": [0, 2**64 - 1, 2**53, 16]}
    for name, xs in ints.items():
        v[f"n_{name}"] = np.array(xs, dtype=name).reshape((2, 2), order="F")
    v["n_double"] = np.array([[1.5, -2.25, np.nan], [np.inf, -np.inf, 1e-300]])
    v["n_single"] = np.array([[1.5], [-2.25], [3.0e38]], dtype=np.float32)
    v["scalar"] = np.array([[42.0]])
    v["nd"] = np.arange(24, dtype=np.float64).reshape((2, 3, 4), order="F")
    v["cplx"] = np.array([[1 + 2j, -3.5 - 0.5j]])
    v["cplx_single"] = np.array([[1 + 2j], [0 - 1j]], dtype=np.complex64)
    v["logic"] = np.array([[True, False], [False, True], [True, True]])
    v["chars"] = Char("abc", "DEF", "g_ñ")
    v["str"] = Char("hello, world")
    v["empty_double"] = np.zeros((0, 0))
    v["empty_0x3"] = np.zeros((0, 3))
    v["empty_str"] = Char()
    v["empty_cell"] = Cell([0, 0], [])
    v["nested"] = Cell([2, 2], [
        Char("a"),
        Cell([1, 2], [np.array([[1.0, 2.0]]), Char("inner")]),
        Struct([1, 1], ["x", "y"], [{"x": np.array([[3]], dtype=np.int32), "y": Cell([1, 1], [Char("deep")])}]),
        np.zeros((0, 0)),
    ])
    v["sarr"] = Struct([1, 2], ["id", "val"], [
        {"id": Char("first"), "val": np.array([[1.0]])},
        {"id": Char("second"), "val": Struct([1, 1], ["z"], [{"z": np.array([[True]])}])},
    ])
    v["cellstr_2x2"] = Cell([2, 2], [Char("r1c1"), Char("r2c1"), Char("r1c2"), Char("")])
    return v


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    exp = {}
    for stem, variables in (("act", act_variables()), ("classes", classes_variables())):
        e = {k: expected(x) for k, x in variables.items()}
        save_v5(os.path.join(out, f"{stem}_v5.mat"), variables, False)
        save_v5(os.path.join(out, f"{stem}_v5z.mat"), variables, True)
        save_v73(os.path.join(out, f"{stem}_v73.mat"), variables)
        for suffix in ("v5", "v5z", "v73"):
            exp[f"{stem}_{suffix}.mat"] = e
    for e, name in (("<", "hand_le.mat"), (">", "hand_be.mat")):
        data, ex = hand_file(e)
        with open(os.path.join(out, name), "wb") as fh:
            fh.write(data)
        exp[name] = ex
    refused_files(out)
    scipy.io.savemat(os.path.join(out, "sparse.mat"),
                     {"ok": np.array([[1.0]]), "sp": scipy.sparse.csc_matrix(np.eye(3))}, format="5")
    rng = np.random.default_rng(7)
    with open(os.path.join(out, "random.bin"), "wb") as fh:
        fh.write(rng.integers(0, 256, 4096, dtype=np.uint8).tobytes())
    with open(os.path.join(out, "text.mat"), "wb") as fh:
        fh.write(b"panoIds,utm\n" * 20)
    for src in ("act_v5.mat", "act_v5z.mat", "act_v73.mat"):
        with open(os.path.join(out, src), "rb") as fh:
            data = fh.read()
        with open(os.path.join(out, src.replace("act_", "truncated_")), "wb") as fh:
            fh.write(data[: len(data) // 2])
    with open(os.path.join(out, "expected.json"), "w") as fh:
        json.dump(exp, fh, indent=1, ensure_ascii=False)
    print("\n".join(sorted(os.listdir(out))))


if __name__ == "__main__":
    main()
