"""Pack the stdlib-only agent core into a zipapp small enough to embed in a script.

SageMaker caps a lifecycle script at 16,384 characters, so the core's sources are
stripped of docstrings, comments and signature annotations (``ast``), re-indented with
one space, stored in a zip that is compressed as one LZMA stream and base85-encoded
(25% overhead against base64's 33%). Every transformation is checked: the shipped
source must parse to the same tree as the stripped one. The zip runs with any python
>= 3.7 (``python3 mlcost-agent.pyz run``) without mlcost or boto3 installed; the package
is renamed ``mlcost_agent`` so it can't shadow an installed mlcost.
"""

from __future__ import annotations

import ast
import base64
import io
import lzma
import re
import zipfile
from pathlib import Path

CORE_DIR = Path(__file__).parent / "core"
PACKAGE = "mlcost_agent"
ROOT_MAIN = f"from {PACKAGE}.runner import main\nraise SystemExit(main())\n"
_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)


def minify(source: str) -> str:
    """Same behaviour, fewer characters: no docstrings, comments or signature annotations."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, *_FUNCS)):
            body = node.body
            first = body[0] if body else None
            is_doc = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
            if is_doc and isinstance(first.value.value, str):
                node.body = body[1:] or [ast.Pass()]
        if isinstance(node, _FUNCS):
            node.returns = None
            a = node.args
            for arg in [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg]:
                if arg is not None:
                    arg.annotation = None
    plain = ast.unparse(tree)
    small = re.sub(r"^((?:    )+)", lambda m: " " * (len(m.group(1)) // 4), plain, flags=re.M)
    if ast.dump(ast.parse(small)) != ast.dump(ast.parse(plain)):  # a string held an indent
        small = plain
    return small + "\n"


def build_zip() -> bytes:
    """The zipapp bytes: the core package plus a root ``__main__`` (stored, not deflated)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for path in sorted(CORE_DIR.glob("*.py")):
            if path.name != "__main__.py":
                info = zipfile.ZipInfo(f"{PACKAGE}/{path.name}", date_time=(2020, 1, 1, 0, 0, 0))
                zf.writestr(info, minify(path.read_text()))
        zf.writestr(zipfile.ZipInfo("__main__.py", date_time=(2020, 1, 1, 0, 0, 0)), ROOT_MAIN)
    return buf.getvalue()


def payload(width: int = 4000) -> str:
    """The zipapp, xz-compressed and base85-encoded, as lines of ``width`` characters."""
    # .lzma ("alone") format: a 13-byte header instead of xz's ~60; lc=3 pb=0 suit text.
    # lzma.decompress() detects the format by itself, so the decoder stays one line.
    lzma1 = {"id": lzma.FILTER_LZMA1, "preset": 9 | lzma.PRESET_EXTREME, "lc": 3, "lp": 0, "pb": 0}
    packed = lzma.compress(build_zip(), format=lzma.FORMAT_ALONE, filters=[lzma1])
    raw = base64.b85encode(packed).decode()
    return "\n".join(raw[i : i + width] for i in range(0, len(raw), width))


# What the script's python runs to turn the payload file back into the zipapp.
DECODE = (
    "import base64,lzma,sys;d=open(sys.argv[1]).read().split();"
    "open(sys.argv[2],'wb').write(lzma.decompress(base64.b85decode(''.join(d))))"
)
