"""Pack the stdlib-only agent core into one script small enough to embed in another.

SageMaker caps a lifecycle script's ``Content`` at 16,384 characters of BASE64, so the
script itself may be at most 12,288 bytes, and every byte of payload inside it is paid
for again by that outer encoding. Hence:

- the core's modules flattened into one module (``flatten``: relative imports dropped,
  ``module.name`` made ``name``; a zip's headers cost ~500 compressed bytes), minified
  with python-minifier (no docstrings or annotations, short names; tests run the result
  on python 3.7 to 3.13) and compressed as one LZMA stream;
- that stream embedded as raw bytes (``binary``) in notebook and Studio scripts: a bash
  here-document carries any byte but NUL, so only NUL, the escape byte and DEL (which old
  bash versions treat specially) are escaped, 0.8% overhead against base85's 25%;
- as base85 text (``text``) in EC2 user data, which cloud-init decodes as UTF-8 text
  before it writes the script out (its limit is 16 KB of raw script, not of base64).

The script runs with any python >= 3.7 (``python3 mlcost-agent.py run``) without mlcost
or boto3 installed.
"""

from __future__ import annotations

import ast
import base64
import lzma
import re
from functools import cache
from pathlib import Path

CORE_DIR = Path(__file__).parent / "core"
#: The core's modules in an order where each comes after those it uses at import time.
MODULES = (
    "signals", "decision", "config", "aws", "target", "metrics", "system", "gpu", "jupyter",
    "install", "runner",
)  # fmt: skip
#: Exceptions keep their names: log lines show them (``sampler failed: AwsError: ...``).
_KEEP_NAMES = ["AwsError", "CredentialsError", "NvmlCallError", "ConfigError"]
HEREDOC_END = "MLCOST_AGENT_PAYLOAD"

# Escapes that make LZMA output safe inside a quoted bash here-document.
_ESCAPES = {0x00: b"\x01\x02", 0x01: b"\x01\x03", 0x7F: b"\x01\x04"}
_ESCAPE_RE = re.compile(b"[\x00\x01\x7f]")


class _Unqualify(ast.NodeTransformer):
    """``jupyter.sample`` -> ``sample`` for the sibling modules a module imported."""

    def __init__(self, modules: set[str]) -> None:
        self.modules = modules

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:  # noqa: N802 - ast's API
        self.generic_visit(node)
        if isinstance(node.value, ast.Name) and node.value.id in self.modules:
            return ast.copy_location(ast.Name(node.attr, node.ctx), node)
        return node


def _bound_names(node: ast.stmt) -> list[str]:
    if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
        return [node.name]
    targets = node.targets if isinstance(node, ast.Assign) else []
    if isinstance(node, ast.AnnAssign):
        targets = [node.target]
    return [t.id for t in targets if isinstance(t, ast.Name)]


def flatten() -> str:
    """The core package as one module that runs ``main()`` when executed.

    Raises ValueError when two modules define (or import) the same top-level name for
    different things, or when a core module is missing from MODULES (it would be silently
    left out).
    """
    found = {p.stem for p in CORE_DIR.glob("*.py")} - {"__init__", "__main__"}
    if found != set(MODULES):
        raise ValueError(f"bundle.MODULES must list the core's modules exactly: {sorted(found)}")
    owner: dict[str, str] = {}
    imported: dict[str, str] = {}
    imports = ["from __future__ import annotations"]  # stdlib imports, once each, on top
    parts = []
    for name in MODULES:
        tree = ast.parse((CORE_DIR / f"{name}.py").read_text())
        siblings: set[str] = set()
        body = []
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and (node.level or node.module == "__future__"):
                if node.level and node.module is None:  # from . import jupyter [as j]
                    siblings |= {a.asname or a.name for a in node.names}
                continue
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:  # one name, one object: `datetime` the class or module
                    bound = alias.asname or alias.name.split(".")[0]
                    what = alias.name if alias.asname or node.__class__ is ast.ImportFrom else bound
                    source = f"{getattr(node, 'module', '')}:{what}"
                    if imported.setdefault(bound, source) != source:
                        raise ValueError(f"{bound!r} is imported as {imported[bound]} and {source}")
                line = ast.unparse(node)
                if line not in imports:
                    imports.append(line)
                continue
            for bound in _bound_names(node):
                if owner.setdefault(bound, name) != name:
                    raise ValueError(f"{bound!r} is defined by both {owner[bound]} and {name}")
            body.append(node)
        tree.body = body
        parts.append(ast.unparse(_Unqualify(siblings).visit(tree)))
    parts.append("if __name__ == '__main__':\n    raise SystemExit(main())")
    return "\n".join(imports + parts) + "\n"


def minify(source: str) -> str:
    """Same behaviour, fewer characters: no docstrings, annotations or long names.

    Hoisting literals stays off: it makes LZMA's job harder. Imported here, so that
    ``mlcost scan`` (which reads ``lifecycle.MARKER``) does not load the minifier.
    """
    import python_minifier

    return python_minifier.minify(
        source,
        remove_literal_statements=True,
        hoist_literals=False,
        rename_locals=True,
        rename_globals=True,
        preserve_globals=_KEEP_NAMES,
    )


@cache
def build_script() -> str:
    """The agent as one minified python script (``python3 mlcost-agent.py run ...``)."""
    return minify(flatten())


@cache
def compressed() -> bytes:
    """The script as one .lzma ("alone") stream: a 13-byte header instead of xz's ~60."""
    # lc=3 pb=0 suit text; lzma.decompress() detects the format by itself.
    lzma1 = {"id": lzma.FILTER_LZMA1, "preset": 9 | lzma.PRESET_EXTREME, "lc": 3, "lp": 0, "pb": 0}
    return lzma.compress(build_script().encode(), format=lzma.FORMAT_ALONE, filters=[lzma1])


def binary_payload() -> bytes:
    """The compressed script, escaped for a quoted here-document ending in HEREDOC_END."""
    data = _ESCAPE_RE.sub(lambda m: _ESCAPES[m.group()[0]], compressed())
    if f"\n{HEREDOC_END}\n".encode() in b"\n" + data + b"\n":
        raise ValueError("the payload contains the here-document's end line")  # never seen
    return data


def text_payload(width: int = 4000) -> str:
    """The compressed script as base85 lines of ``width`` characters."""
    raw = base64.b85encode(compressed()).decode()
    return "\n".join(raw[i : i + width] for i in range(0, len(raw), width))


# What the lifecycle script's python runs to turn the payload back into the agent
# (argv: payload file, agent script). bash adds one newline after a here-document.
DECODE_BINARY = (
    "import lzma,re,sys;d=open(sys.argv[1],'rb').read()[:-1];open(sys.argv[2],'wb').write("
    "lzma.decompress(re.sub(b'\\\\x01[\\\\x02-\\\\x04]',lambda m:b'\\\\x00\\\\x01\\\\x7f'[m.group()[1]-2:][:1],d)))"
)
DECODE_TEXT = (
    "import base64,lzma,sys;d=open(sys.argv[1],'rb').read();open(sys.argv[2],'wb').write("
    "lzma.decompress(base64.b85decode(b''.join(d.split()))))"
)
