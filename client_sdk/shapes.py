"""The one module that derives the protocol's shapes (structs, enums, events) from the compiled ABI.

Each shape is declared once, in the Solidity interfaces; the committed artifacts in ``contracts/build/``
carry it in their ABI (a struct is a ``tuple`` parameter whose ``internalType`` reads
``struct ILicenceMarket.Terms``, an enum a ``uint8`` with ``enum IWorkRegistry.WorkStatus``, an event
its argument list). This module reads them at import, through :mod:`client_sdk.artifacts`, so nothing
here repeats a field list:

* :data:`STRUCTS` / :func:`struct` -- every struct by its bare name (``"Terms"``), with its fields in
  ABI order, their Python attribute names (``supplyCap`` -> ``supply_cap``), EIP-712 type strings and
  typehashes, and conversions between Python objects and the tuples web3 encodes.
* :class:`AbiStruct` -- the base of the SDK dataclasses that mirror a struct (:class:`~client_sdk.terms.Terms`,
  :class:`~client_sdk.terms.SignedOffer`...): ``to_abi``/``to_typed``/``from_abi`` come from the ABI,
  so a dataclass lists its fields once, in the order that reads best, with its defaults.
* :data:`ENUMS` -- the enum types the ABI names. The ABI carries an enum's name but not its members;
  the members live in :mod:`client_sdk.terms` and ``tests/test_shapes.py`` holds them to the Solidity.
* :func:`events` -- every event of every deployable contract, with its canonical signature and topic.
* :class:`Layer` / :func:`coverage` -- what another layer (an SQL table, an API model) carries of a
  struct, and the fields it lacks: the test that fails when ``Terms`` gains a field a layer lacks.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

from .artifacts import _canonical, artifact_names, load_artifact
from .errors import ConfigurationError

#: The contracts whose ABI declares the protocol (interfaces and what the deploy plan deploys); the
#: test doubles in ``contracts/src/testing`` are left out.
PROTOCOL_ARTIFACTS: tuple[str, ...] = (
    "IWorkRegistry", "ILicenceMarket", "IDisputeResolver", "IEvidenceLog", "IDistributionRules",
    "WorkRegistry", "LicenceMarket", "DisputeResolver", "EvidenceLog", "DistributionRules",
)  # fmt: skip


def snake_case(name: str) -> str:
    """``supplyCap`` -> ``supply_cap``; ``workId`` -> ``work_id`` (the Python name of an ABI field)."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


@dataclass(frozen=True)
class StructField:
    """One field of a struct as the ABI declares it."""

    name: str
    #: the ABI type as the JSON ABI spells it (``tuple``/``tuple[]`` for nested structs)
    abi_type: str
    #: the nested struct's bare name for ``tuple``/``tuple[]`` fields, else ``None``
    struct: str | None = None
    #: the enum's bare name when the field is an enum, else ``None``
    enum: str | None = None
    param: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def attr(self) -> str:
        """The Python attribute (and SQL column) name: ``snake_case(name)``."""
        return snake_case(self.name)

    @property
    def canonical_type(self) -> str:
        """The type in a function or event signature: tuples spelt out, ``(uint256,...)[]``."""
        return _canonical(dict(self.param)) if self.param else self.abi_type

    @property
    def is_array(self) -> bool:
        return self.abi_type.endswith("]")

    @property
    def eip712_type(self) -> str:
        """The type in an EIP-712 type string: a nested struct by its name (``Terms``, ``Split[]``)."""
        if self.struct is not None:
            return self.struct + self.abi_type[len("tuple") :]
        return self.abi_type


@dataclass(frozen=True)
class Struct:
    """A Solidity struct from the ABI: ``name`` (``Terms``), ``qualified`` (``ILicenceMarket.Terms``), fields."""

    name: str
    qualified: str
    fields: tuple[StructField, ...]
    #: the structs read with this one (where nested struct names are looked up)
    registry: Mapping[str, Struct] = field(default_factory=dict, repr=False, compare=False)

    def nested(self, name: str) -> Struct:
        """The struct ``name`` as read together with this one."""
        return self.registry[name] if name in self.registry else struct(name)

    def field_names(self) -> tuple[str, ...]:
        """The ABI names, in ABI order."""
        return tuple(f.name for f in self.fields)

    def attrs(self) -> tuple[str, ...]:
        """The Python names, in ABI order."""
        return tuple(f.attr for f in self.fields)

    def canonical_type(self) -> str:
        return "(" + ",".join(f.canonical_type for f in self.fields) + ")"

    # -- EIP-712 ---------------------------------------------------------------------------------

    def eip712_fields(self) -> list[dict[str, str]]:
        """``[{"name": "workId", "type": "uint256"}, ...]`` as ``encode_typed_data`` wants them."""
        return [{"name": f.name, "type": f.eip712_type} for f in self.fields]

    def referenced(self) -> list[Struct]:
        """The structs this one uses, directly or not (each once, not including itself)."""
        found: dict[str, Struct] = {}

        def walk(s: Struct) -> None:
            for f in s.fields:
                if f.struct is not None and f.struct not in found and f.struct != self.name:
                    found[f.struct] = self.nested(f.struct)
                    walk(found[f.struct])

        walk(self)
        return list(found.values())

    def eip712_types(self) -> dict[str, list[dict[str, str]]]:
        """This struct and every struct it references, keyed by name (the ``types`` of a typed message)."""
        return {s.name: s.eip712_fields() for s in (self, *self.referenced())}

    def eip712_type_string(self) -> str:
        """EIP-712 ``encodeType``: this struct, then the referenced ones sorted by name."""

        def one(s: Struct) -> str:
            return s.name + "(" + ",".join(f"{f.eip712_type} {f.name}" for f in s.fields) + ")"

        return one(self) + "".join(one(s) for s in sorted(self.referenced(), key=lambda s: s.name))

    def typehash(self) -> bytes:
        """``keccak256(encodeType)``: what the contract's ``<NAME>_TYPEHASH`` constant must equal."""
        from eth_utils import keccak  # here, not at the top: importing the shapes stays cheap (CLI start-up)

        return keccak(text=self.eip712_type_string())

    # -- conversions ------------------------------------------------------------------------------

    def to_abi(self, obj: Any) -> tuple[Any, ...]:
        """The tuple web3 encodes, read from ``obj``'s attributes by their Python names."""
        return tuple(_to_abi(self, f, getattr(obj, f.attr)) for f in self.fields)

    def to_typed(self, obj: Any) -> dict[str, Any]:
        """The EIP-712 message value: keyed by ABI names, nested structs as dicts."""
        return {f.name: _to_typed(self, f, getattr(obj, f.attr)) for f in self.fields}

    def from_abi(self, value: Sequence[Any] | Mapping[str, Any]) -> dict[str, Any]:
        """Keyword arguments (Python names) from a decoded tuple (or a dict keyed by ABI names)."""
        if isinstance(value, Mapping):
            items = [value[f.name] for f in self.fields]
        else:
            items = list(value)
            if len(items) != len(self.fields):
                raise ConfigurationError(
                    f"{self.qualified} has {len(self.fields)} fields, the value {len(items)}; "
                    "the ABI in contracts/build and the chain disagree: redeploy or rebuild the artifacts"
                )
        return {f.attr: _from_abi(self, f, v) for f, v in zip(self.fields, items, strict=True)}


# -- value conversions by ABI type ---------------------------------------------------------------


def _element(f: StructField) -> StructField:
    return StructField(f.name, f.abi_type[: f.abi_type.rindex("[")], f.struct, f.enum)


def _to_abi(owner: Struct, f: StructField, value: Any) -> Any:
    if f.is_array:
        return [_to_abi(owner, _element(f), v) for v in value]
    if f.struct is not None:
        return owner.nested(f.struct).to_abi(value)
    if f.abi_type == "address":
        from eth_utils import to_checksum_address

        return to_checksum_address(value)
    if f.abi_type.startswith(("uint", "int")):
        return int(value)
    if f.abi_type == "bool":
        return bool(value)
    return value


def _to_typed(owner: Struct, f: StructField, value: Any) -> Any:
    if f.is_array:
        return [_to_typed(owner, _element(f), v) for v in value]
    if f.struct is not None:
        return owner.nested(f.struct).to_typed(value)
    return _to_abi(owner, f, value)


def _from_abi(owner: Struct, f: StructField, value: Any) -> Any:
    if f.is_array:
        return tuple(_from_abi(owner, _element(f), v) for v in value)
    if f.struct is not None:
        bound = _BOUND.get(f.struct)
        kwargs = owner.nested(f.struct).from_abi(value)
        return bound(**kwargs) if bound is not None else kwargs
    if f.abi_type.startswith("bytes"):
        return bytes(value)
    return value


# -- reading the ABI -----------------------------------------------------------------------------


def _bare(internal_type: str, kind: str) -> str | None:
    """``struct ILicenceMarket.Terms[]`` -> ``ILicenceMarket.Terms`` for ``kind="struct"``."""
    if not internal_type.startswith(kind + " "):
        return None
    return internal_type[len(kind) + 1 :].split("[", 1)[0]


def _params(entry: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for p in [*entry.get("inputs", ()), *entry.get("outputs", ())]:
        yield from _walk(p)


def _walk(param: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    yield param
    for c in param.get("components", ()):
        yield from _walk(c)


def _protocol_abi() -> Iterator[tuple[str, Mapping[str, Any]]]:
    names = set(artifact_names())
    for name in PROTOCOL_ARTIFACTS:
        if name in names:
            for entry in load_artifact(name).abi:
                yield name, entry


def _field(param: Mapping[str, Any]) -> StructField:
    internal = str(param.get("internalType", ""))
    nested = _bare(internal, "struct")
    enum = _bare(internal, "enum")
    return StructField(
        name=param["name"],
        abi_type=param["type"],
        struct=nested.rsplit(".", 1)[-1] if nested else None,
        enum=enum.rsplit(".", 1)[-1] if enum else None,
        param=param,
    )


def read_structs(entries: Iterable[Mapping[str, Any]]) -> dict[str, Struct]:
    """Every struct that ``entries`` (ABI entries) use, keyed by bare name. Two structs with one bare
    name but different fields are refused: the bare name is what EIP-712 and the SDK use."""
    found: dict[str, Struct] = {}
    for entry in entries:
        for p in _params(entry):
            qualified = _bare(str(p.get("internalType", "")), "struct")
            if qualified is None:
                continue
            fields = tuple(_field(c) for c in p["components"])
            s = Struct(qualified.rsplit(".", 1)[-1], qualified, fields, registry=found)
            known = found.setdefault(s.name, s)
            if known.fields != s.fields:
                raise ConfigurationError(f"two structs named {s.name} differ: {known.qualified} and {qualified}")
    return found


def read_enums(entries: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Every enum ``entries`` use: bare name -> qualified name (``WorkStatus`` -> ``IWorkRegistry.WorkStatus``)."""
    found: dict[str, str] = {}
    for entry in entries:
        for p in _params(entry):
            qualified = _bare(str(p.get("internalType", "")), "enum")
            if qualified is not None:
                found.setdefault(qualified.rsplit(".", 1)[-1], qualified)
    return found


@dataclass(frozen=True)
class EventShape:
    """An event of a protocol contract: where it is declared, its signature, topic and arguments."""

    contract: str
    name: str
    inputs: tuple[Mapping[str, Any], ...]

    @property
    def signature(self) -> str:
        return self.name + "(" + ",".join(_canonical(dict(i)) for i in self.inputs) + ")"

    @property
    def topic0(self) -> str:
        from eth_utils import keccak

        return "0x" + keccak(text=self.signature).hex()

    @property
    def arg_names(self) -> tuple[str, ...]:
        return tuple(i["name"] for i in self.inputs)


@functools.cache
def events() -> tuple[EventShape, ...]:
    """Every event of the deployed contracts (``WorkRegistry``, ``LicenceMarket``, ``DisputeResolver``),
    once per contract, in ABI order: what the indexer must mirror or list as ignored."""
    deployed = [n for n in PROTOCOL_ARTIFACTS if not n.startswith("I")]
    return tuple(
        EventShape(name, e["name"], tuple(e["inputs"]))
        for name, e in _protocol_abi()
        if name in deployed and e.get("type") == "event"
    )


#: Every struct of the protocol by bare name (``STRUCTS["Terms"]``), read from the ABI at import.
STRUCTS: dict[str, Struct] = read_structs(e for _, e in _protocol_abi())
#: Every enum the protocol's ABI names: bare name -> qualified name. Members: see the module docstring.
ENUMS: dict[str, str] = read_enums(e for _, e in _protocol_abi())


def struct(name: str) -> Struct:
    """The struct called ``name`` (``"Terms"``); :class:`ConfigurationError` if the ABI has none."""
    try:
        return STRUCTS[name]
    except KeyError:
        raise ConfigurationError(
            f"no struct {name!r} in the ABI of {', '.join(PROTOCOL_ARTIFACTS)}; known: {', '.join(sorted(STRUCTS))}"
        ) from None


# -- SDK classes bound to a struct ---------------------------------------------------------------

_BOUND: dict[str, type[Any]] = {}


class AbiStruct:
    """Base of an SDK dataclass that mirrors a Solidity struct: ``class Terms(AbiStruct, struct="Terms")``.

    The dataclass declares its fields once (Python names, in any order, with defaults); the ABI order,
    the conversions and the EIP-712 value come from :data:`STRUCTS`. ``tests/test_shapes.py`` checks
    that the dataclass fields are exactly the struct's.
    """

    __struct__: ClassVar[Struct]
    #: dataclass fields that are not struct fields (a signature, an id the call was made with)
    __not_in_abi__: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, *, struct: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if struct is not None:
            cls.__struct__ = STRUCTS[struct] if struct in STRUCTS else _missing(struct)
            _BOUND[struct] = cls

    def to_abi(self) -> tuple[Any, ...]:
        """The tuple web3 encodes for this value (fields in ABI order)."""
        return self.__struct__.to_abi(self)

    def to_typed(self) -> dict[str, Any]:
        """This value as an EIP-712 message member (ABI names)."""
        return self.__struct__.to_typed(self)

    @classmethod
    def from_abi(cls, value: Sequence[Any] | Mapping[str, Any]) -> Self:
        """Build from what web3 decodes (a tuple in ABI order) or a dict keyed by ABI names."""
        return cls(**cls.__struct__.from_abi(value))


def _missing(name: str) -> Struct:
    struct(name)  # raises with the list of known structs
    raise AssertionError("unreachable")


# -- other layers held against a struct ----------------------------------------------------------


@dataclass(frozen=True)
class Layer:
    """What one layer (an SQL table, an API model, a projection) carries of a struct.

    ``fields``: the names the layer has. A struct field ``f`` is carried when ``renames.get(f.name,
    f.attr)`` is among them, or when ``omitted`` names it with the reason the layer leaves it out.
    """

    name: str
    fields: frozenset[str]
    renames: Mapping[str, str] = field(default_factory=dict)
    omitted: Mapping[str, str] = field(default_factory=dict)


def coverage(shape: Struct, layer: Layer) -> list[str]:
    """What is wrong with ``layer`` against ``shape``, one line each (empty: it carries every field).

    Reports struct fields the layer neither has nor omits on purpose, and renames or omissions that
    name fields the struct no longer has (a stale declaration hides the next change).
    """
    problems = []
    names = set(shape.field_names())
    for f in shape.fields:
        if f.name in layer.omitted:
            continue
        column = layer.renames.get(f.name, f.attr)
        if column not in layer.fields:
            problems.append(f"{layer.name} lacks {shape.name}.{f.name} (expected {column!r})")
    for stale in sorted((set(layer.renames) | set(layer.omitted)) - names):
        problems.append(f"{layer.name} declares {shape.name}.{stale}, which the ABI no longer has")
    return problems


__all__ = [
    "ENUMS",
    "PROTOCOL_ARTIFACTS",
    "STRUCTS",
    "AbiStruct",
    "EventShape",
    "Layer",
    "Struct",
    "StructField",
    "coverage",
    "events",
    "read_enums",
    "read_structs",
    "snake_case",
    "struct",
]
