"""The one module that loads compiled contract artifacts (ABI, bytecode) from ``contracts/build``."""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from contracts import BUILD_DIR

from .errors import ConfigurationError


@dataclass(frozen=True)
class Artifact:
    """A compiled contract.

    ``sha256`` is the sha256 of the creation bytecode: the identity of the compiled code that a
    deployment manifest records.
    """

    name: str
    abi: list[dict[str, Any]]
    bytecode: bytes
    deployed_bytecode: bytes
    immutable_references: dict[str, list[dict[str, int]]]
    compiler: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.bytecode).hexdigest()

    def code_matches(self, onchain: bytes) -> bool:
        """Whether deployed code equals this artifact's runtime code, immutables masked out."""
        return self.code_mismatch(onchain) is None

    def code_mismatch(self, onchain: bytes) -> str | None:
        """Why ``onchain`` is not this artifact's runtime code, or ``None`` when it is.

        Immutables are the only bytes a deployment may set: each one's references (offsets from
        ``immutableReferences``) are masked, and all references of one immutable must hold the same
        32 bytes, as the constructor writes one value to every place. Every other byte, the trailing
        metadata hash of the sources included, must be equal.
        """
        expected = bytearray(self.deployed_bytecode)
        actual = bytes(onchain)
        if not actual:
            return "there is no code at this address"
        if not expected:
            return f"the artifact {self.name} has no runtime code (an interface or abstract contract)"
        if len(expected) != len(actual):
            return f"the code is {len(actual)} bytes, the committed build's is {len(expected)}"
        for ident, refs in self.immutable_references.items():
            values = {actual[r["start"] : r["start"] + r["length"]] for r in refs}
            if len(values) > 1:
                return f"immutable {ident} holds different values at its {len(refs)} places"
            for ref in refs:
                start, length = ref["start"], ref["length"]
                expected[start : start + length] = actual[start : start + length]
        if bytes(expected) != actual:
            first = next(i for i, (a, b) in enumerate(zip(expected, actual, strict=True)) if a != b)
            return f"the code differs from the committed build from byte {first} on"
        return None

    def immutable_values(self, onchain: bytes) -> dict[str, bytes]:
        """The 32-byte value of each immutable (by its AST id) in code that :meth:`code_matches`."""
        return {
            ident: bytes(onchain[refs[0]["start"] : refs[0]["start"] + refs[0]["length"]])
            for ident, refs in self.immutable_references.items()
            if refs
        }

    def constructor_args(self, creation_input: bytes) -> bytes | None:
        """The ABI-encoded constructor arguments of a deployment transaction's input, or ``None``
        when the input does not start with this artifact's creation code."""
        data = bytes(creation_input)
        if not self.bytecode or not data.startswith(self.bytecode):
            return None
        return data[len(self.bytecode) :]


@functools.cache
def load_artifact(name: str) -> Artifact:
    """Load ``contracts/build/<name>.json``; raises :class:`ConfigurationError` if missing."""
    path = BUILD_DIR / f"{name}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigurationError(
            f"contract artifact {name!r} not found at {path}; run `python -m contracts.build`"
        ) from None
    return Artifact(
        name=name,
        abi=data["abi"],
        bytecode=bytes.fromhex(data["bytecode"].removeprefix("0x")),
        deployed_bytecode=bytes.fromhex(data["deployedBytecode"].removeprefix("0x")),
        immutable_references=data.get("immutableReferences", {}),
        compiler=data["compiler"]["version"],
    )


def artifact_names() -> list[str]:
    """Every artifact in the build folder."""
    return sorted(p.stem for p in BUILD_DIR.glob("*.json"))


@functools.cache
def all_abi_entries() -> tuple[dict[str, Any], ...]:
    """Every ABI entry (events, errors, functions) of every artifact, deduplicated by signature."""
    seen: dict[str, dict[str, Any]] = {}
    for name in artifact_names():
        for entry in load_artifact(name).abi:
            if entry.get("type") in {"event", "error"}:
                sig = entry["type"] + ":" + entry["name"] + "(" + ",".join(_canonical(i) for i in entry["inputs"]) + ")"
                seen.setdefault(sig, entry)
    return tuple(seen.values())


def _canonical(param: dict[str, Any]) -> str:
    t: str = param["type"]
    if t.startswith("tuple"):
        return "(" + ",".join(_canonical(c) for c in param["components"]) + ")" + t[len("tuple") :]
    return t
