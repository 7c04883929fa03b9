"""Pack the stdlib-only agent core into one script small enough to embed in another.

SageMaker caps a lifecycle script's ``Content`` at 16,384 characters of BASE64, so the
script itself may be at most 12,288 bytes, and every byte of payload inside it is paid
for again by that outer encoding. Hence:

- the core's modules flattened into one module (``flatten``: relative imports dropped,
  ``module.name`` made ``name``; a zip's headers cost ~500 compressed bytes), built for
  one target (``flatten(kind)``: the other targets' branches folded away and what no
  longer has a caller dropped), minified with python-minifier (no docstrings or
  annotations, short names; tests run the result on python 3.7 to 3.13) and compressed
  as one LZMA stream;
- that stream embedded as raw bytes (``binary``) in notebook and Studio scripts: a bash
  here-document carries any byte but NUL, so only NUL, the escape byte and DEL (which old
  bash versions treat specially) are escaped, 0.8% overhead against base85's 25%;
- as base85 text (``text``) in EC2 user data, which cloud-init decodes as UTF-8 text
  before it writes the script out; ``lifecycle`` gzips that whole script, which
  cloud-init undoes itself (its limit is 16 KB of raw user data, not of base64).

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

from .core import config as core_config

CORE_DIR = Path(__file__).parent / "core"
#: The core's modules in an order where each comes after those it uses at import time.
MODULES = (
    "signals", "decision", "config", "aws", "target", "metrics", "system", "gpu", "jupyter",
    "install", "runner",
)  # fmt: skip
#: Exceptions keep their names: log lines show them (``sampler failed: AwsError: ...``).
_KEEP_NAMES = ["AwsError", "CredentialsError", "NvmlCallError", "ConfigError"]
HEREDOC_END = "MLCOST_AGENT"

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


#: What ``--target`` takes; a per-target build keeps its own kind and ``none``.
KINDS = ("notebook", "ec2", "studio")
#: What ``--signals`` takes (core/config.py); a build keeps the signals it was made for.
SIGNALS = frozenset(core_config.SIGNALS)
#: The signers a build can carry (core/aws.py's SIGNER).
SIGNERS = ("stdlib", "botocore")
_OTHER_TARGETS = {"auto", *KINDS}


class _Specialize(ast.NodeTransformer):
    """Fold the core for one target: the other kinds (and ``auto``) are never seen.

    A tuple of target names (``TARGETS``, ``kind in ("notebook", "studio")``) loses the
    other kinds, so the agent refuses them at start; a comparison with another kind's
    name is False; the constant conditions that leaves are folded, so ``_shake`` finds
    the stop calls and metadata parsing no branch reaches any more.
    """

    def __init__(
        self, kind: str, signals: frozenset[str] | None = None, signer: str = "stdlib"
    ) -> None:
        self.drop = _OTHER_TARGETS - {kind}
        self.drop_signals = SIGNALS - signals if signals is not None else frozenset()
        self.constants = {"SIGNER": signer, "BUILD_TARGET": kind}

    def visit_Name(self, node: ast.Name) -> ast.AST:  # noqa: N802 - ast's API
        """The build's signer and target are constants (``aws.SIGNER``,
        ``install.BUILD_TARGET``), so what only another build needs folds away."""
        if isinstance(node.ctx, ast.Load) and node.id in self.constants:
            return ast.copy_location(ast.Constant(self.constants[node.id]), node)
        return node

    def visit_Tuple(self, node: ast.Tuple) -> ast.AST:  # noqa: N802 - ast's API
        words = [e.value for e in node.elts if isinstance(e, ast.Constant)]
        if len(words) != len(node.elts) or not words:
            return node
        for names, drop in (
            (_OTHER_TARGETS | {"none"}, self.drop),
            (SIGNALS, self.drop_signals),
        ):
            if set(words) & drop and set(words) <= names:
                node.elts = [e for e in node.elts if e.value not in drop]  # type: ignore[attr-defined]
        return node

    def visit_Compare(self, node: ast.Compare) -> ast.AST:  # noqa: N802
        self.generic_visit(node)
        if len(node.ops) != 1:
            return node
        op, right = node.ops[0], node.comparators[0]
        negated = isinstance(op, (ast.NotEq, ast.NotIn))
        left = node.left
        constants = isinstance(left, ast.Constant) and isinstance(right, ast.Constant)
        if isinstance(op, (ast.Eq, ast.NotEq)) and constants:  # the signer, once substituted
            return ast.Constant((left.value == right.value) != negated)  # type: ignore[attr-defined]
        if (  # "ssh" in cfg.signals, for a signal this build left out
            isinstance(op, ast.In)
            and isinstance(left, ast.Constant)
            and left.value in self.drop_signals
            and isinstance(right, ast.Attribute)
            and right.attr == "signals"
        ):
            return ast.Constant(False)
        other_kind = isinstance(right, ast.Constant) and right.value in self.drop
        if isinstance(op, (ast.Eq, ast.NotEq)) and other_kind:
            return ast.Constant(negated)
        if isinstance(op, (ast.In, ast.NotIn)) and isinstance(right, ast.Tuple) and not right.elts:
            return ast.Constant(negated)
        return node

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:  # noqa: N802
        self.generic_visit(node)
        neutral = isinstance(node.op, ast.And)  # True in `and`, False in `or`
        values: list[ast.expr] = []
        for v in node.values:
            if isinstance(v, ast.Constant) and isinstance(v.value, bool):
                if v.value is neutral:
                    continue
                if not values:  # `False and x`, `True or x`
                    return ast.Constant(not neutral)
            values.append(v)
        if len(values) < 2:
            return values[0] if values else ast.Constant(neutral)
        node.values = values
        return node

    def visit_IfExp(self, node: ast.IfExp) -> ast.AST:  # noqa: N802
        self.generic_visit(node)
        if isinstance(node.test, ast.Constant):
            return node.body if node.test.value else node.orelse
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:  # noqa: N802
        """Annotations go (the minifier drops them anyway), so ``_shake`` sees imports
        that only annotations used."""
        self.generic_visit(node)
        node.returns = None
        for a in ast.walk(node.args):
            if isinstance(a, ast.arg):
                a.annotation = None
        for sub in ast.walk(node):
            for field in ("body", "orelse", "finalbody"):
                block = getattr(sub, field, None)
                if isinstance(block, list) and block:  # an empty else/finally stays empty
                    block[:] = [
                        ast.Assign([b.target], b.value)
                        if isinstance(b, ast.AnnAssign) and b.value is not None
                        else b
                        for b in block
                        if not (isinstance(b, ast.AnnAssign) and b.value is None)
                    ] or [ast.Pass()]
        return node

    def visit_If(self, node: ast.If) -> ast.AST | list[ast.stmt]:  # noqa: N802
        self.generic_visit(node)
        if isinstance(node.test, ast.Constant):
            return (node.body if node.test.value else node.orelse) or [ast.Pass()]
        return node


def _used(nodes: list[ast.AST]) -> set[str]:
    """Names read, and attribute names used, anywhere in ``nodes``."""
    out: set[str] = set()
    for top in nodes:
        for n in ast.walk(top):
            if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Store):
                out.add(n.id)
            elif isinstance(n, ast.Attribute):
                out.add(n.attr)
    return out


def _shake(tree: ast.Module) -> ast.Module:
    """Drop functions, classes, methods, constants and imports nothing else uses.

    A method stays while any attribute anywhere has its name (``x.sample``); dunder
    methods always stay. Repeated until nothing more goes.
    """
    changed = True
    while changed:
        changed = False
        holders: list[ast.Module | ast.ClassDef] = [tree]
        holders += [n for n in tree.body if isinstance(n, ast.ClassDef)]
        for holder in holders:
            for node in list(holder.body):
                if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                    names = [node.name]
                elif holder is tree and isinstance(node, ast.Assign):
                    names = _bound_names(node)
                    if len(names) != len(node.targets):
                        continue
                elif holder is tree and isinstance(node, (ast.Import, ast.ImportFrom)):
                    if getattr(node, "module", None) == "__future__":
                        continue
                    others = _used([n for n in tree.body if n is not node])
                    kept = [a for a in node.names if (a.asname or a.name.split(".")[0]) in others]
                    if len(kept) != len(node.names):
                        changed = True
                        node.names = kept
                        if not kept:
                            holder.body.remove(node)
                    continue
                else:
                    continue
                if any(n.startswith("__") for n in names):
                    continue
                others = _used([n for n in tree.body if n is not holder and n is not node])
                if holder is not tree:  # the class's own other members, bases, decorators
                    others |= _used([n for n in holder.body if n is not node])
                    others |= _used([*holder.bases, *holder.decorator_list])
                if not set(names) & others:
                    holder.body.remove(node)
                    changed = True
    return tree


def flatten(
    kind: str | None = None, signals: frozenset[str] | None = None, signer: str = "stdlib"
) -> str:
    """The core package as one module that runs ``main()`` when executed.

    With ``kind`` (notebook, ec2 or studio), only what an agent started with
    ``--target kind`` (or ``--target none``) can reach: see ``_Specialize`` and ``_shake``;
    with ``signals``, only those samplers (the agent refuses the others in ``--signals``);
    ``signer``: which of core/aws.py's signers the build carries.

    Raises ValueError when two modules define (or import) the same top-level name for
    different things, or when a core module is missing from MODULES (it would be silently
    left out).
    """
    found = {p.stem for p in CORE_DIR.glob("*.py")} - {"__init__", "__main__"}
    if found != set(MODULES):
        raise ValueError(f"bundle.MODULES must list the core's modules exactly: {sorted(found)}")
    owner: dict[str, str] = {}
    imported: dict[str, str] = {}
    imports: dict[str, list[str]] = {}  # stdlib imports, once each, on top, by module
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
                    line = ast.unparse(node.__class__(**{**node.__dict__, "names": [alias]}))
                    group = imports.setdefault(getattr(node, "module", None) or "", [])
                    if line not in group:  # one per line: python-minifier joins neighbours
                        group.append(line)
                continue
            if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
                continue  # for the type checker only: never runs
            for bound in _bound_names(node):
                if owner.setdefault(bound, name) != name:
                    raise ValueError(f"{bound!r} is defined by both {owner[bound]} and {name}")
            body.append(node)
        tree.body = body
        parts.append(ast.unparse(_Unqualify(siblings).visit(tree)))
    parts.append("if __name__ == '__main__':\n    raise SystemExit(main())")
    lines = ["from __future__ import annotations", *sum(imports.values(), [])]
    source = "\n".join(lines + parts) + "\n"
    if kind is None:
        if signals is not None or signer != "stdlib":
            raise ValueError("signals and signer specialise a build for one target (kind)")
        return source
    if signer not in SIGNERS or (signals is not None and not signals <= SIGNALS):
        raise ValueError(f"unknown signer {signer!r} or signals {sorted(signals or ())}")
    tree = _Specialize(kind, signals, signer).visit(ast.parse(source))
    return ast.unparse(_shake(ast.fix_missing_locations(tree))) + "\n"


def minify(source: str) -> str:
    """Same behaviour, fewer characters: no docstrings, annotations or long names.

    A dataclass field keeps an annotation (``name:0``): ``from __future__ import
    annotations`` leaves it an unevaluated string, which is all dataclasses read.

    Hoisting literals stays off: it makes LZMA's job harder. Imported here, so that
    ``mlcost scan`` (which reads ``lifecycle.MARKER``) does not load the minifier.
    """
    import python_minifier

    tree = ast.parse(source)
    for node in ast.walk(tree):  # dataclasses need a field's annotation, not its text
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.AnnAssign):
                    item.annotation = ast.Constant(0)
    return python_minifier.minify(
        ast.unparse(tree),
        remove_literal_statements=True,
        hoist_literals=False,
        rename_locals=True,
        rename_globals=True,
        preserve_globals=_KEEP_NAMES,
    )


@cache
def build_script(
    kind: str | None = None, signals: frozenset[str] | None = None, signer: str = "stdlib"
) -> str:
    """The agent as one minified python script (``python3 mlcost-agent.py run ...``).

    ``kind``, ``signals``, ``signer``: the build a lifecycle config of that target carries
    (``flatten``); no kind: every target, what the tests run with ``--target auto``.
    """
    return minify(flatten(kind, signals, signer))


@cache
def compressed(
    kind: str | None = None, signals: frozenset[str] | None = None, signer: str = "stdlib"
) -> bytes:
    """The script as one .lzma ("alone") stream: a 13-byte header instead of xz's ~60.

    Measured alternatives (issue 15): lc/lp/pb other than 3/0/0 cost 10 to 160 bytes;
    bz2 +0.4%, zlib +4.5%; a raw LZMA stream saves the 13-byte header but its decoder
    has to spell out the filter, which costs more than that in the script.
    """
    lzma1 = {"id": lzma.FILTER_LZMA1, "preset": 9 | lzma.PRESET_EXTREME, "lc": 3, "lp": 0, "pb": 0}
    script = build_script(kind, signals, signer).encode()
    return lzma.compress(script, format=lzma.FORMAT_ALONE, filters=[lzma1])


def binary_payload(
    kind: str | None = None, signals: frozenset[str] | None = None, signer: str = "stdlib"
) -> bytes:
    """The compressed script, escaped for a quoted here-document ending in HEREDOC_END."""
    data = _ESCAPE_RE.sub(lambda m: _ESCAPES[m.group()[0]], compressed(kind, signals, signer))
    if f"\n{HEREDOC_END}\n".encode() in b"\n" + data + b"\n":
        raise ValueError("the payload contains the here-document's end line")  # never seen
    return data


def text_payload(
    kind: str | None = None,
    signals: frozenset[str] | None = None,
    signer: str = "stdlib",
    width: int = 4000,
) -> str:
    """The compressed script as base85 lines of ``width`` characters."""
    raw = base64.b85encode(compressed(kind, signals, signer)).decode()
    return "\n".join(raw[i : i + width] for i in range(0, len(raw), width))


# What the lifecycle script's python runs to turn the here-document on its stdin back
# into the agent (argv: the agent script). bash adds one newline after a here-document.
# Inside bash's double quotes: no backslash pairs, $, ` or " in here.
DECODE_BINARY = (
    "import lzma,sys;d=sys.stdin.buffer.read()[:-1];open(sys.argv[1],'wb').write(lzma.decompress("
    r"d.replace(b'\1\2',b'\0').replace(b'\1\4',b'\x7f').replace(b'\1\3',b'\1')))"
)
DECODE_TEXT = (
    "import base64,lzma,sys;open(sys.argv[1],'wb').write("
    "lzma.decompress(base64.b85decode(b''.join(sys.stdin.buffer.read().split()))))"
)
