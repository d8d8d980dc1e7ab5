// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IHubErrors} from "./IHubErrors.sol";

/// @title ILicenceMarket
/// @notice Offers (on chain or EIP-712 signed off chain), purchases, pull payments and the licence
/// tokens (ERC-721) they mint.
/// @dev Rights are a 15-bit mask. Bits 0..11 are the property rights of Art. 10 PRC Copyright Law:
/// 0 reproduction, 1 distribution, 2 rental, 3 exhibition, 4 performance, 5 screening,
/// 6 broadcasting, 7 information-network dissemination, 8 cinematization, 9 adaptation,
/// 10 translation, 11 compilation. Bits 12..14 are the neighbouring (related) rights that audio,
/// podcast and live-recording works are licensed under: 12 performers' rights, 13 rights of producers
/// of sound and video recordings, 14 broadcasting organisations' rights.
/// Territories are a strictly ascending list of ISO 3166-1 numeric codes (1..999); the empty list
/// means worldwide. Licence ids are `workId << 64 | serial` (serial is a global counter from 1), so
/// the work of a licence is readable from its id. Errors other hub contracts raise too are declared
/// once, in IHubErrors.
interface ILicenceMarket is IHubErrors {
    /// @notice Licence terms, as published in an offer.
    /// @param workId the licensed work.
    /// @param rights bitmask of the fifteen rights (see contract doc); non-zero, < 2**15.
    /// @param territories ascending ISO 3166-1 numeric codes; empty = worldwide. At most 64.
    /// @param start licence start (unix seconds).
    /// @param end licence end (unix seconds), > start.
    /// @param exclusive no other licence may overlap it in a shared right, territory and time.
    /// @param sublicensable the licensee may sublicense (recorded; enforced off chain).
    /// @param transferable the licence token may be transferred.
    /// @param price price per licence, in `currency` base units.
    /// @param currency address(0) for ETH, else an allow-listed ERC-20.
    /// @param supplyCap licences the offer may sell; 0 = unlimited (on-chain offers only). Exclusive offers need 1.
    /// @param attestationKind 0, or an attestation kind the work must hold (Approved, live) before purchase.
    /// @param attestationTerritory the territory that attestation must cover (0 = an attestation for everywhere).
    /// @param legalHash keccak256 of the legal text these terms stand for (0 = none named), so a licence
    /// points at the exact words both sides agreed.
    /// @param legalUri where that text can be read (e.g. `ipfs://<CID>`); not stored on chain: it is in
    /// the signature of a signed offer and in `OfferCreated` / `SignedOfferRedeemed`; `getOffer` returns "".
    struct Terms {
        uint256 workId;
        uint16 rights;
        uint16[] territories;
        uint40 start;
        uint40 end;
        bool exclusive;
        bool sublicensable;
        bool transferable;
        uint96 price;
        address currency;
        uint32 supplyCap;
        uint8 attestationKind;
        uint16 attestationTerritory;
        bytes32 legalHash;
        string legalUri;
    }

    /// @notice An offer signed off chain by the work's owner (EIP-712, domain "CopyrightHub LicenceMarket" v1).
    /// @param terms the terms (supplyCap must be >= 1).
    /// @param seller the signer; must own the work at purchase time.
    /// @param nonce per-seller offer number (unordered); `cancelNonce` voids it. Use each nonce for one offer.
    /// @param counter must equal the seller's current counter; `incrementCounter` voids all earlier signatures.
    /// @param ownershipEpoch the work's `IWorkRegistry.ownershipEpoch` when signed; any later transfer of the
    /// work voids the signature, so an offer cannot come back to life when the work returns to its signer.
    /// @param deadline the signature is refused after this time.
    /// @param buyer the only account that may fill the offer (zero: anyone). A buyer-bound offer cannot be
    /// taken by someone who copies the buyer's pending `purchaseSigned` from the mempool (issue 14); the
    /// SDK binds exclusive offers to their buyer by default. To offer to several named buyers, sign one
    /// offer per buyer under the same nonce (supply 1: the first fill uses the nonce up for all of them).
    struct SignedOffer {
        Terms terms;
        address seller;
        uint256 nonce;
        uint256 counter;
        uint256 ownershipEpoch;
        uint64 deadline;
        address buyer;
    }

    /// @notice Validity of a licence at a point in time.
    enum LicenceStatus {
        None,
        Valid,
        NotYetValid,
        Expired,
        Revoked
    }

    /// @notice A licence as stored plus its holder.
    /// @param workId the work (the id's high bits).
    /// @param holder the token holder.
    /// @param rights rights mask.
    /// @param start licence start.
    /// @param end licence end.
    /// @param exclusive exclusive licence.
    /// @param sublicensable the licensee may sublicense.
    /// @param transferable the token may change hands (until revoked).
    /// @param revoked the licence was revoked.
    /// @param revokedAt when it was revoked (0: not revoked); it was valid before that time.
    struct LicenceInfo {
        uint256 workId;
        address holder;
        uint16 rights;
        uint40 start;
        uint40 end;
        bool exclusive;
        bool sublicensable;
        bool transferable;
        bool revoked;
        uint40 revokedAt;
    }

    // ----------------------------------------------------------------------------------- events

    /// @notice Emitted when an owner publishes an offer on chain.
    /// @param offerId sequential id (from 1).
    /// @param workId the work.
    /// @param creator the owner who published it.
    /// @param terms the full terms.
    event OfferCreated(uint256 indexed offerId, uint256 indexed workId, address indexed creator, Terms terms);

    /// @notice Emitted when an on-chain offer's price changes.
    /// @param offerId the offer.
    /// @param price the new price.
    event OfferPriceChanged(uint256 indexed offerId, uint96 price);

    /// @notice Emitted when an on-chain offer is withdrawn.
    /// @param offerId the offer.
    /// @param workId its work.
    /// @param by who cancelled it.
    event OfferCancelled(uint256 indexed offerId, uint256 indexed workId, address indexed by);

    /// @notice Emitted when a seller voids one signed-offer nonce.
    /// @param seller the seller.
    /// @param nonce the voided nonce.
    event SignedOfferCancelled(address indexed seller, uint256 indexed nonce);

    /// @notice Emitted when a seller voids every signature made under earlier counters.
    /// @param seller the seller.
    /// @param counter the new counter (signatures must now carry it).
    event CounterIncremented(address indexed seller, uint256 counter);

    /// @notice Emitted the first time a signed offer is redeemed, with its full terms.
    /// @param digest the EIP-712 digest of the signed offer (its id).
    /// @param seller the signer.
    /// @param nonce its nonce.
    /// @param terms the full terms.
    event SignedOfferRedeemed(bytes32 indexed digest, address indexed seller, uint256 nonce, Terms terms);

    /// @notice Emitted when a licence is sold and its token minted.
    /// @param licenceId `workId << 64 | serial`.
    /// @param workId the work.
    /// @param licensee the buyer and token holder.
    /// @param offerId the on-chain offer, or 0 for a signed offer.
    /// @param signedOfferDigest the signed offer's digest, or 0 for an on-chain offer.
    /// @param rights rights bitmask.
    /// @param start licence start.
    /// @param end licence end.
    /// @param flags bit 0 exclusive, bit 1 sublicensable, bit 2 transferable.
    /// @param currency address(0) for ETH, else the ERC-20.
    /// @param price what the buyer paid.
    /// @param fee the protocol fee part of `price`.
    event LicenceGranted(
        uint256 indexed licenceId,
        uint256 indexed workId,
        address indexed licensee,
        uint256 offerId,
        bytes32 signedOfferDigest,
        uint16 rights,
        uint40 start,
        uint40 end,
        uint8 flags,
        address currency,
        uint256 price,
        uint256 fee
    );

    /// @notice Emitted when a licence is revoked through a dispute.
    /// @param licenceId the licence.
    /// @param workId its work.
    /// @param disputeId the dispute that revoked it.
    /// @param by the resolver.
    /// @param revokedAt the block time of the revocation: the licence reads Revoked from then on.
    event LicenceRevoked(
        uint256 indexed licenceId, uint256 indexed workId, uint256 indexed disputeId, address by, uint40 revokedAt
    );

    /// @notice Emitted for each share of a sale credited to a pull-payment balance.
    /// @param payee owner, co-owner or treasury.
    /// @param currency address(0) for ETH, else the ERC-20.
    /// @param licenceId the sale.
    /// @param amount credited.
    event PaymentCredited(address indexed payee, address indexed currency, uint256 indexed licenceId, uint256 amount);

    /// @notice Emitted when an account withdraws its balance.
    /// @param payee the account.
    /// @param currency address(0) for ETH, else the ERC-20.
    /// @param amount paid out.
    event Withdrawn(address indexed payee, address indexed currency, uint256 amount);

    /// @notice Emitted when an ERC-20 is added to or removed from the allow-list.
    /// @param currency the token.
    /// @param allowed whether offers may now use it.
    event CurrencyAllowed(address indexed currency, bool allowed);

    /// @notice Emitted when the protocol fee or treasury changes.
    /// @param feeBps fee in basis points of each price.
    /// @param treasury the fee's payee.
    event FeeChanged(uint16 feeBps, address treasury);

    // ----------------------------------------------------------------------------------- errors

    /// @notice Thrown when an offer id does not exist.
    /// @param offerId the id.
    error OfferNotFound(uint256 offerId);

    /// @notice Thrown when an offer was cancelled.
    /// @param offerId the id.
    error OfferCancelledAlready(uint256 offerId);

    /// @notice Thrown when a rights mask is empty or has bits beyond the fifteen rights.
    /// @param rights the mask.
    error InvalidRights(uint16 rights);

    /// @notice Thrown when end <= start.
    /// @param start the start.
    /// @param end the end.
    error InvalidWindow(uint40 start, uint40 end);

    /// @notice Thrown when buying or publishing terms whose end has passed.
    /// @param end the licence end.
    /// @param nowTs the block time.
    error TermsEnded(uint40 end, uint256 nowTs);

    /// @notice Thrown when a territory list is not strictly ascending, has a code outside 1..999, or is too long.
    /// @param index the offending position (or the length when too long).
    /// @param code the offending code (0 when too long).
    error InvalidTerritories(uint256 index, uint16 code);

    /// @notice Thrown when the currency is not ETH and not allow-listed.
    /// @param currency the currency.
    error CurrencyNotAllowed(address currency);

    /// @notice Thrown when an exclusive offer's supply cap is not 1, or a signed offer's is 0.
    /// @param supplyCap the cap given.
    error InvalidSupplyCap(uint32 supplyCap);

    /// @notice Thrown when an offer has sold out.
    /// @param supplyCap its cap.
    error SupplyExhausted(uint32 supplyCap);

    /// @notice Thrown when the price is above the most the buyer would pay.
    /// @param price the current price.
    /// @param maxPrice the buyer's limit.
    error PriceAboveMax(uint256 price, uint256 maxPrice);

    /// @notice Thrown when the ETH sent is not exactly the price (or ETH is sent for an ERC-20 offer).
    /// @param expected what had to be sent.
    /// @param sent what was sent.
    error WrongPayment(uint256 expected, uint256 sent);

    /// @notice Thrown when an ERC-20 delivered less than the price (fee-on-transfer or broken token).
    /// @param expected the price.
    /// @param received what arrived.
    error PaymentShortfall(uint256 expected, uint256 received);

    /// @notice Thrown when a grant would overlap an unexpired exclusive licence.
    /// @param licenceId the exclusive licence it collides with.
    error ExclusiveConflict(uint256 licenceId);

    /// @notice Thrown when an exclusive grant would overlap an unexpired licence on a shared right.
    /// @param right the right index (0..14) that collides.
    /// @param coveredUntil the latest end of licences already granted on that right (rounded up to a
    /// day; 2^40-1 when they run past the coverage counter's range, i.e. for ever).
    error CoverageConflict(uint8 right, uint40 coveredUntil);

    /// @notice Thrown when a work already has the maximum number of unexpired exclusive licences.
    /// @param max the bound.
    error TooManyExclusiveGrants(uint256 max);

    /// @notice Thrown when the offer requires an attestation the work does not hold.
    /// @param workId the work.
    /// @param kind the required kind.
    /// @param territory the territory it must cover.
    error AttestationRequired(uint256 workId, uint8 kind, uint16 territory);

    /// @notice Thrown when a signed offer's deadline has passed.
    /// @param deadline the deadline.
    /// @param nowTs the block time.
    error SignatureExpired(uint64 deadline, uint256 nowTs);

    /// @notice Thrown when the signature is not the seller's for this chain and contract.
    /// @param seller the claimed seller.
    /// @param recovered who actually signed (zero for a malformed signature).
    error InvalidSignature(address seller, address recovered);

    /// @notice Thrown when a signed offer's nonce was cancelled, or its single-supply offer already sold.
    /// @param seller the seller.
    /// @param nonce the nonce.
    error NonceUnavailable(address seller, uint256 nonce);

    /// @notice Thrown when a signed offer carries an outdated counter.
    /// @param seller the seller.
    /// @param counter the signed counter.
    /// @param current the seller's current counter.
    error StaleCounter(address seller, uint256 counter, uint256 current);

    /// @notice Thrown when the fee is above the cap or the treasury is zero.
    /// @param feeBps requested fee.
    /// @param maxBps cap.
    error InvalidFee(uint16 feeBps, uint16 maxBps);

    /// @notice Thrown when a licence id does not exist.
    /// @param licenceId the id.
    error LicenceNotFound(uint256 licenceId);

    /// @notice Thrown when a licence is transferred that its terms keep with the licensee, or that was revoked.
    /// @param licenceId the id.
    error LicenceNotTransferable(uint256 licenceId);

    /// @notice Thrown when a signed offer was made before the work last changed hands.
    /// @param workId the work.
    /// @param signedEpoch the ownership epoch in the signature.
    /// @param currentEpoch the work's ownership epoch now.
    error OwnershipChanged(uint256 workId, uint256 signedEpoch, uint256 currentEpoch);

    /// @notice Thrown when a licence is revoked twice.
    /// @param licenceId the id.
    error LicenceAlreadyRevoked(uint256 licenceId);

    /// @notice Thrown when a signed offer names its buyer and someone else fills it.
    /// @param buyer the buyer the seller named.
    /// @param caller the account that tried to fill it.
    error NotOfferBuyer(address buyer, address caller);

    // -------------------------------------------------------------------------------- functions

    /// @notice Publish an offer on a work the caller owns (the work must be Active).
    /// @param terms the terms; `end` must be in the future.
    /// @return offerId the new offer's id (sequential from 1).
    function createOffer(Terms calldata terms) external returns (uint256 offerId);

    /// @notice Change an offer's price (work owner, work Active).
    /// @param offerId the offer.
    /// @param price the new price, in the offer's currency base units.
    function setOfferPrice(uint256 offerId, uint96 price) external;

    /// @notice Withdraw an offer (work owner).
    /// @param offerId the offer.
    function cancelOffer(uint256 offerId) external;

    /// @notice Buy a licence from an on-chain offer; ETH offers need `msg.value == price`.
    /// @param offerId the offer.
    /// @param maxPrice the most the buyer pays; refused (`PriceAboveMax`) when the price is higher.
    /// @return licenceId the minted licence, `workId << 64 | serial`.
    function purchase(uint256 offerId, uint256 maxPrice) external payable returns (uint256 licenceId);

    /// @notice Buy a licence from a signed offer; ETH offers need `msg.value == price`.
    /// @param offer the signed offer (its seller must own the work, unmoved since signing).
    /// @param signature the seller's EIP-712 signature of `offer`.
    /// @param maxPrice the most the buyer pays.
    /// @return licenceId the minted licence.
    function purchaseSigned(SignedOffer calldata offer, bytes calldata signature, uint256 maxPrice)
        external
        payable
        returns (uint256 licenceId);

    /// @notice Void one of the caller's signed-offer nonces.
    /// @param nonce the nonce.
    function cancelNonce(uint256 nonce) external;

    /// @notice Void all of the caller's signatures made so far.
    /// @return counter the caller's new counter.
    function incrementCounter() external returns (uint256 counter);

    /// @notice Pay out the caller's balance in `currency`.
    /// @param currency address(0) for ETH, else the ERC-20.
    /// @return amount what was paid out.
    function withdraw(address currency) external returns (uint256 amount);

    /// @notice Revoke a licence as the outcome of a dispute (REVOKER_ROLE: the dispute resolver only;
    /// once granted at wiring, no admin can grant or revoke that role). Records the time.
    /// @param licenceId the licence.
    /// @param disputeId the dispute whose ruling revokes it.
    function revokeLicence(uint256 licenceId, uint256 disputeId) external;

    /// @notice The licence's status at `timestamp` (any time, past or future): Revoked from its
    /// revocation time on, otherwise NotYetValid / Valid / Expired by its window.
    /// @param licenceId the licence.
    /// @param timestamp the time asked about (unix seconds).
    /// @return the status (None when the licence does not exist).
    function licenceStatus(uint256 licenceId, uint256 timestamp) external view returns (LicenceStatus);

    /// @notice Whether the licence was (or will be) valid at `timestamp`.
    /// @param licenceId the licence.
    /// @param timestamp the time asked about.
    /// @return true when it exists, `start <= timestamp < end`, and it was not revoked by then.
    function isLicenceValid(uint256 licenceId, uint256 timestamp) external view returns (bool);

    /// @notice Whether `holder` holds `licenceId` on `workId`, valid now, including all `rights`.
    /// @param licenceId the licence.
    /// @param holder the account that claims it.
    /// @param workId the work it must be for.
    /// @param rights the rights it must include.
    /// @return true when every condition holds.
    function licenceCovers(uint256 licenceId, address holder, uint256 workId, uint16 rights)
        external
        view
        returns (bool);

    /// @notice The stored licence.
    /// @param licenceId the licence.
    /// @return the licence and its holder (reverts `LicenceNotFound` when it does not exist).
    function getLicence(uint256 licenceId) external view returns (LicenceInfo memory);

    /// @notice The EIP-712 digest the seller signs for `offer`.
    /// @param offer the offer.
    /// @return the digest.
    function hashSignedOffer(SignedOffer calldata offer) external view returns (bytes32);

    /// @notice Pull-payment balance of `account` in `currency`.
    /// @param account the payee.
    /// @param currency address(0) for ETH, else the ERC-20.
    /// @return the balance waiting.
    function creditOf(address account, address currency) external view returns (uint256);
}
