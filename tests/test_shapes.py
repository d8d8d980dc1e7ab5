"""Every layer held against the protocol's one declaration, the ABI in ``contracts/build/``.

The structs, enums and EIP-712 types of the SDK are derived from (or checked against) the ABI by
:mod:`client_sdk.shapes`; the SQL tables and API models that carry licence ``Terms`` are checked
here field by field. The last tests prove the check bites: a copy of the ABI whose ``Terms`` gained a
field is reported by every layer that would lack it.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Mapping
from typing import Any

import pytest
from eth_account.messages import encode_typed_data
from eth_utils import keccak

from api import models as api_models
from client_sdk import Hub, terms
from client_sdk._distribution import AttestationStatus, Requirement
from client_sdk._licensing import Licence
from client_sdk._review import Dispute
from client_sdk._works import Work
from client_sdk.artifacts import load_artifact
from client_sdk.shapes import ENUMS, PROTOCOL_ARTIFACTS, STRUCTS, AbiStruct, Layer, Struct, coverage, read_structs
from contracts import SOURCE_DIR
from indexer import models as sql
from indexer.tables import market
from tests.factories.protocol import DAY
from tests.factories.protocol import terms as make_terms

#: Every SDK class bound to an ABI struct.
SDK_STRUCTS: tuple[type[AbiStruct], ...] = (
    terms.Terms, terms.SignedOffer, terms.Split, terms.WorkInput, Licence, Work, Dispute, Requirement,
    AttestationStatus,
)  # fmt: skip

#: Why the licence row leaves these Terms fields out: it links the terms it was sold under.
_SOLD_UNDER = "the licence links its offer (offer_id) or signed offer (signed_offer_digest), whose terms hold it"
LICENCE_OMITS = {
    "territories": _SOLD_UNDER,
    "supplyCap": "a limit on how many licences an offer sells, not a property of one licence",
    "attestationKind": "a condition checked once, at purchase; " + _SOLD_UNDER,
    "attestationTerritory": "a condition checked once, at purchase; " + _SOLD_UNDER,
    "legalHash": _SOLD_UNDER,
    "legalUri": _SOLD_UNDER,
}
#: The API names the purchase condition after what it asks of the buyer.
OFFER_RENAMES = {
    "attestationKind": "requires_attestation_kind",
    "attestationTerritory": "requires_attestation_territory",
}


def _columns(table: Any) -> frozenset[str]:
    return frozenset(c.name for c in table.__table__.columns)


def _api_fields(*models: Any) -> frozenset[str]:
    return frozenset(name for m in models for name in m.model_fields)


def _projected() -> frozenset[str]:
    """The columns the ``offer`` table's declaration fills from a decoded ``Terms`` (one per ABI field)."""
    return frozenset(market.terms_columns("terms"))


def terms_layers(shape: Struct) -> list[Layer]:
    """Every layer that carries licence Terms field by field. (``signed_offer.terms`` keeps the decoded
    struct whole, as JSON keyed by the ABI's names, so it cannot lack a field; its column is checked
    in :func:`test_signed_offer_rows_keep_the_whole_terms`.)"""
    return [
        Layer("client_sdk.terms.Terms", _sdk_fields(terms.Terms)),
        Layer("indexer.tables.market.terms_columns", _projected()),
        Layer("indexer.models.Offer", _columns(sql.Offer)),
        Layer("indexer.models.Licence", _columns(sql.Licence), omitted=LICENCE_OMITS),
        Layer(
            "api.models.OfferPublic",
            _api_fields(api_models.OfferPublic, api_models.TermsPublic),
            renames=OFFER_RENAMES,
        ),
        Layer("api.models.LicencePublic", _api_fields(api_models.LicencePublic), omitted=LICENCE_OMITS),
    ]


def _sdk_fields(cls: type[AbiStruct]) -> frozenset[str]:
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    return frozenset(names - set(cls.__not_in_abi__))


# -- the Solidity side: typehash strings and enum members, read from the sources --------------------

_TYPEHASH = re.compile(r"bytes32\s+(?:\w+\s+)*constant\s+(\w+)_TYPEHASH\s*=\s*keccak256\(\s*((?:\"[^\"]*\"\s*)+)\)")


def solidity_type_strings() -> dict[str, str]:
    """``{"Terms": "Terms(uint256 workId,...)", "SignedOffer": ...}`` from every ``*_TYPEHASH`` constant."""
    found = {}
    for path in SOURCE_DIR.glob("*.sol"):
        for name, literals in _TYPEHASH.findall(path.read_text()):
            struct_name = "".join(p.capitalize() for p in name.split("_"))
            found[struct_name] = "".join(re.findall(r"\"([^\"]*)\"", literals))
    return found


def eip712_problems(structs: Mapping[str, Struct]) -> dict[str, list[str]]:
    problems = {}
    for name, declared in solidity_type_strings().items():
        derived = structs[name].eip712_type_string()
        if keccak(text=derived) != keccak(text=declared):
            problems[f"EIP-712 {name}"] = [f"derived {derived!r} but the Solidity typehash hashes {declared!r}"]
    return problems


def terms_problems(structs: Mapping[str, Struct]) -> dict[str, list[str]]:
    """Every layer that disagrees with ``structs["Terms"]``, with what it lacks."""
    shape = structs["Terms"]
    problems = {layer.name: coverage(shape, layer) for layer in terms_layers(shape)}
    problems.update(eip712_problems(structs))
    return {name: p for name, p in problems.items() if p}


def _with_extra_terms_field(name: str = "royaltyCapBps") -> dict[str, Struct]:
    """The protocol's structs as they would read if ``ILicenceMarket.Terms`` gained ``uint16 name``."""
    entries = copy.deepcopy([e for a in PROTOCOL_ARTIFACTS for e in load_artifact(a).abi])

    def grow(param: dict[str, Any]) -> None:
        if param.get("internalType", "").startswith("struct ILicenceMarket.Terms"):
            param["components"].append({"name": name, "type": "uint16", "internalType": "uint16"})
        for c in param.get("components", ()):
            grow(c)

    for entry in entries:
        for p in [*entry.get("inputs", ()), *entry.get("outputs", ())]:
            grow(p)
    return read_structs(entries)


# -- tests ------------------------------------------------------------------------------------------


def test_every_layer_carries_every_terms_field() -> None:
    assert terms_problems(STRUCTS) == {}


def test_a_new_terms_field_is_reported_by_every_layer() -> None:
    grown = _with_extra_terms_field()
    assert grown["Terms"].field_names()[-1] == "royaltyCapBps"
    assert grown["SignedOffer"].eip712_type_string().endswith("string legalUri,uint16 royaltyCapBps)")
    problems = terms_problems(grown)
    layers = {layer.name for layer in terms_layers(grown["Terms"])}
    assert set(problems) == layers | {"EIP-712 Terms", "EIP-712 SignedOffer"}
    for layer in layers:
        assert any("royaltyCapBps" in p for p in problems[layer]), problems[layer]


def test_a_removed_terms_field_leaves_a_stale_declaration_reported() -> None:
    shape = STRUCTS["Terms"]
    shrunk = dataclasses.replace(shape, fields=tuple(f for f in shape.fields if f.name != "supplyCap"))
    layer = Layer("licence", _columns(sql.Licence), omitted=LICENCE_OMITS)
    assert coverage(shrunk, layer) == ["licence declares Terms.supplyCap, which the ABI no longer has"]


@pytest.mark.parametrize("cls", SDK_STRUCTS, ids=lambda c: c.__name__)
def test_sdk_types_have_exactly_the_struct_fields(cls: type[AbiStruct]) -> None:
    shape = cls.__struct__
    assert _sdk_fields(cls) == set(shape.attrs()), f"{cls.__name__} against {shape.qualified}"
    assert set(cls.__not_in_abi__).isdisjoint(shape.attrs())


def test_every_abi_struct_the_sdk_encodes_has_a_type() -> None:
    bound = {cls.__struct__.name for cls in SDK_STRUCTS}
    assert set(STRUCTS) == bound  # every struct, Dispute included (Hub.get_dispute)


def test_eip712_types_match_the_solidity_typehashes() -> None:
    declared = solidity_type_strings()
    assert set(declared) == {"Terms", "SignedOffer"}
    assert eip712_problems(STRUCTS) == {}
    assert STRUCTS["SignedOffer"].typehash() == keccak(text=declared["SignedOffer"])


def test_signed_offer_message_uses_the_derived_types() -> None:
    offer = terms.SignedOffer(make_terms(1, 0), "0x" + "11" * 20, nonce=1, counter=0, ownership_epoch=0, deadline=1)
    message = terms.signed_offer_typed_data(offer, 1, "0x" + "22" * 20)
    assert message["types"]["Terms"] == STRUCTS["Terms"].eip712_fields()
    assert message["types"]["SignedOffer"] == STRUCTS["SignedOffer"].eip712_fields()
    assert list(message["message"]["terms"]) == list(STRUCTS["Terms"].field_names())


def test_the_contract_hashes_a_signed_offer_as_the_sdk_does(studio_hub: Hub, studio) -> None:
    now = int(studio_hub.w3.eth.get_block("latest")["timestamp"])
    offer = terms.SignedOffer(
        make_terms(
            1,
            now,
            territories=(156,),
            attestation_kind=2,
            supply_cap=3,
            legal_hash=keccak(text="the licence agreement"),
            legal_uri="ipfs://bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku",
        ),
        studio.address,
        9,
        0,
        2,
        now + DAY,
    )
    local = encode_typed_data(
        full_message=terms.signed_offer_typed_data(offer, studio_hub.w3.eth.chain_id, studio_hub.market.address)
    )
    onchain = studio_hub.market.functions.hashSignedOffer(offer.to_abi()).call()
    assert bytes(onchain) == keccak(b"\x19" + local.version + local.header + local.body)


def test_terms_round_trip_through_the_abi_tuple() -> None:
    t = make_terms(7, 100, territories=(156, 840), exclusive=True, supply_cap=1, attestation_kind=1)
    encoded = t.to_abi()
    assert len(encoded) == len(STRUCTS["Terms"].fields)
    assert encoded[STRUCTS["Terms"].field_names().index("territories")] == [156, 840]
    assert terms.Terms.from_abi(encoded) == t
    assert terms.Terms.from_abi(t.to_typed()) == t


def test_signed_offer_rows_keep_the_whole_terms() -> None:
    assert {"terms", "work_id", "seller", "nonce"} <= _columns(sql.SignedOffer)


# -- enums: the ABI names them, the Solidity sources list their members -------------------------------

_ENUM = re.compile(r"\benum\s+(\w+)\s*\{([^}]*)\}")


def solidity_enums() -> dict[str, list[str]]:
    found = {}
    for path in (SOURCE_DIR / "interfaces").glob("*.sol"):
        for name, body in _ENUM.findall(re.sub(r"//[^\n]*", "", path.read_text())):
            found[name] = [m.strip() for m in body.split(",") if m.strip()]
    return found


def test_every_abi_enum_has_an_sdk_enum_with_the_solidity_members() -> None:
    declared = solidity_enums()
    assert set(ENUMS) == set(declared)
    for name, members in declared.items():
        py_enum = getattr(terms, name)
        expected = [re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", m).upper() for m in members]
        assert [(e.name, e.value) for e in py_enum] == list(zip(expected, range(len(members)), strict=True)), name
