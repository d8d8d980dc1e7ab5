// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ERC721} from "solady/src/tokens/ERC721.sol";
import {LibString} from "solady/src/utils/LibString.sol";
import {IDistributionRules} from "./interfaces/IDistributionRules.sol";
import {ILicenceMarket} from "./interfaces/ILicenceMarket.sol";
import {IWorkRegistry} from "./interfaces/IWorkRegistry.sol";
import {Coverage, CoverageLib} from "./types/Coverage.sol";
import {ExclusiveGrant, ExclusiveGrantLib} from "./types/ExclusiveGrant.sol";
import {LicenceExtras, LicenceExtrasLib} from "./types/LicenceExtras.sol";
import {LicenceWord, LicenceWordLib} from "./types/LicenceWord.sol";
import {MarketConfig} from "./types/MarketConfig.sol";

/// @title LicenceMarket
/// @notice Offers, purchases, pull payments and licence tokens (ERC-721) for works in a WorkRegistry.
/// @dev Each packed storage word has one typed home under `types/` with named accessors (see
/// contracts/README.md for the reasoning):
/// * `LicenceWord`: the solady ERC-721 extra data of a licence token (rights, start, end, transferable).
///   The work is in the id: `licenceId = workId << 64 | serial`. A plain purchase writes one fresh
///   word per licence, nothing else per licence.
/// * `LicenceExtras`: exclusive, sublicensable, revocation time; written only when one is set.
/// * `Coverage`: per work, the latest end of non-exclusive licences per right (days, saturating =
///   for ever) and the number of recorded exclusive grants (`ExclusiveGrant`, at most MAX_EXCLUSIVE).
/// * `MarketConfig`: treasury, fee, licence serial, pause flag.
/// A non-exclusive grant is refused when it overlaps a recorded, unexpired exclusive grant in a
/// shared right, a shared territory and time (exact check). An exclusive grant is refused when it
/// overlaps an unexpired exclusive grant (exact), or when any right it grants is covered by a
/// non-exclusive licence ending after max(start, now) (conservative: territory and start of
/// non-exclusive licences are not tracked, and ends are rounded up to a day). Both checks are
/// O(MAX_EXCLUSIVE + 15).
contract LicenceMarket is ERC721, AccessControlDefaultAdminRules, ReentrancyGuardTransient, EIP712, ILicenceMarket {
    using SafeERC20 for IERC20;

    /// @notice May revoke licences: the dispute resolver, granted once at wiring. The first grant puts the
    /// role under SEALED_ROLE, so from then on no one (the default admin included) can grant or revoke it.
    bytes32 public constant REVOKER_ROLE = keccak256("REVOKER_ROLE");
    /// @notice Held by nobody and administered only by itself: a role placed under it is fixed for good.
    bytes32 public constant SEALED_ROLE = keccak256("SEALED_ROLE");
    /// @notice The default admin moves in two steps, the second no sooner than this after the first
    /// (OpenZeppelin's AccessControlDefaultAdminRules, as in the registry and the resolver).
    uint48 public constant ADMIN_TRANSFER_DELAY = 3 days;
    /// @notice May pause and unpause.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    /// @notice Highest protocol fee, in basis points.
    uint16 public constant MAX_FEE_BPS = 1_000;
    /// @notice Most territories in one set of terms.
    uint256 public constant MAX_TERRITORIES = 64;
    /// @notice Most unexpired exclusive grants per work (the exclusivity check's bound).
    uint256 public constant MAX_EXCLUSIVE = 16;
    /// @notice Origin of the day counter in the coverage word: 2024-01-01T00:00:00Z.
    uint256 public constant COVERAGE_EPOCH = CoverageLib.EPOCH;

    uint16 internal constant ALL_RIGHTS = uint16(LicenceWordLib.RIGHTS_MASK);
    uint8 internal constant FLAG_EXCLUSIVE = 1;
    uint8 internal constant FLAG_SUBLICENSABLE = 2;
    uint8 internal constant FLAG_TRANSFERABLE = 4;
    /// @dev Offer flags beyond the licence flags.
    uint8 internal constant OFFER_HAS_TERRITORIES = 0x40;
    uint8 internal constant OFFER_CANCELLED = 0x80;

    bytes32 internal constant TERMS_TYPEHASH = keccak256(
        "Terms(uint256 workId,uint16 rights,uint16[] territories,uint40 start,uint40 end,bool exclusive,"
        "bool sublicensable,bool transferable,uint96 price,address currency,uint32 supplyCap,"
        "uint8 attestationKind,uint16 attestationTerritory,bytes32 legalHash,string legalUri)"
    );
    bytes32 internal constant SIGNED_OFFER_TYPEHASH = keccak256(
        "SignedOffer(Terms terms,address seller,uint256 nonce,uint256 counter,uint256 ownershipEpoch,uint64 deadline,"
        "address buyer)"
        "Terms(uint256 workId,uint16 rights,uint16[] territories,uint40 start,uint40 end,bool exclusive,"
        "bool sublicensable,bool transferable,uint96 price,address currency,uint32 supplyCap,"
        "uint8 attestationKind,uint16 attestationTerritory,bytes32 legalHash,string legalUri)"
    );

    /// @dev Two words. Word 0: workId, rights, start, end, flags, supplyCap, sold, attestation; word 1: price, currency.
    struct StoredOffer {
        uint64 workId;
        uint16 rights;
        uint40 start;
        uint40 end;
        uint8 flags;
        uint32 supplyCap;
        uint32 sold;
        uint8 attestationKind;
        uint16 attestationTerritory;
        uint96 price;
        address currency;
    }

    /// @dev One sale in progress (memory, keeps the stack shallow). Typed as the terms are, so nothing
    /// is narrowed on the way to storage or events.
    struct Sale {
        uint256 workId;
        uint16 rights;
        uint40 start;
        uint40 end;
        uint8 flags;
        uint96 price;
        address currency;
        uint256 maxPrice;
        uint8 attestationKind;
        uint16 attestationTerritory;
        uint256 offerId;
        bytes32 digest;
        address seller;
        uint256 value;
    }

    /// @notice The registry whose works are licensed.
    IWorkRegistry public immutable registry;
    /// @notice The regulators' distribution requirements every sale must meet.
    IDistributionRules public immutable rules;

    /// @dev Emitted when the market is paused (same signature as OpenZeppelin's Pausable; the market raises
    /// that contract's own `EnforcedPause` / `ExpectedPause` errors rather than declaring copies).
    event Paused(address account);
    /// @dev Emitted when the market is unpaused.
    event Unpaused(address account);

    /// @dev Read by every purchase (see `MarketConfig`).
    MarketConfig private _config;
    uint256 private _lastOfferId;
    mapping(uint256 offerId => StoredOffer) private _offers;
    /// @dev Written only for offers that name their legal text (purchases never read it).
    mapping(uint256 offerId => bytes32 legalHash) private _offerLegalHash;
    mapping(uint256 offerId => uint16[]) private _offerTerritories;
    /// @dev Per seller, 256 nonces per word: bit set = nonce cancelled, or its single-supply offer sold
    /// (Permit2-style unordered nonces: a seller's next signed sale usually flips a bit in a warm word).
    mapping(address seller => mapping(uint256 word => uint256 bits)) private _nonceBits;
    /// @dev Sales of signed offers with supplyCap > 1.
    mapping(address seller => mapping(uint256 nonce => uint256 sold)) private _signedSold;
    /// @notice Signatures must carry the seller's current counter.
    mapping(address seller => uint256 counter) public counterOf;
    /// @notice ERC-20s allowed as currency (ETH, address(0), always is).
    mapping(address currency => bool allowed) public currencyAllowed;
    mapping(address account => mapping(address currency => uint256 amount)) private _credits;
    mapping(uint256 workId => Coverage) private _coverage;
    mapping(uint256 workId => mapping(uint256 index => ExclusiveGrant)) private _exclusives;
    mapping(uint256 licenceId => uint16[]) private _licenceTerritories;
    mapping(uint256 licenceId => LicenceExtras) private _extras;

    constructor(address admin, IWorkRegistry registry_, address treasury, uint16 feeBps, IDistributionRules rules_)
        EIP712("CopyrightHub LicenceMarket", "1")
        AccessControlDefaultAdminRules(ADMIN_TRANSFER_DELAY, admin)
    {
        if (admin == address(0) || address(registry_) == address(0) || address(rules_) == address(0)) {
            revert ZeroAddress();
        }
        registry = registry_;
        rules = rules_;
        _setRoleAdmin(SEALED_ROLE, SEALED_ROLE);
        _grantRole(PAUSER_ROLE, admin);
        _setFee(feeBps, treasury);
    }

    // ---------------------------------------------------------------------------- offers

    /// @inheritdoc ILicenceMarket
    function createOffer(Terms calldata terms) external whenNotPaused returns (uint256 offerId) {
        _validateTerms(terms);
        if (terms.end <= block.timestamp) revert TermsEnded(terms.end, block.timestamp);
        _requireOwnerOfActive(terms.workId);
        unchecked {
            offerId = ++_lastOfferId;
        }
        uint8 flags = _termsFlags(terms);
        if (terms.territories.length != 0) {
            flags |= OFFER_HAS_TERRITORIES;
            _offerTerritories[offerId] = terms.territories;
        }
        if (terms.legalHash != bytes32(0)) _offerLegalHash[offerId] = terms.legalHash;
        _offers[offerId] = StoredOffer({
            // _validateTerms refused work ids above 2^64-1.
            workId: uint64(terms.workId),
            rights: terms.rights,
            start: terms.start,
            end: terms.end,
            flags: flags,
            supplyCap: terms.supplyCap,
            sold: 0,
            attestationKind: terms.attestationKind,
            attestationTerritory: terms.attestationTerritory,
            price: terms.price,
            currency: terms.currency
        });
        emit OfferCreated(offerId, terms.workId, msg.sender, terms);
    }

    /// @inheritdoc ILicenceMarket
    function setOfferPrice(uint256 offerId, uint96 price) external whenNotPaused {
        StoredOffer storage o = _liveOffer(offerId);
        _requireOwnerOfActive(o.workId);
        o.price = price;
        emit OfferPriceChanged(offerId, price);
    }

    /// @inheritdoc ILicenceMarket
    function cancelOffer(uint256 offerId) external {
        StoredOffer storage o = _liveOffer(offerId);
        uint256 workId = o.workId;
        (address owner,) = registry.ownerAndStatus(workId);
        if (owner != msg.sender) revert NotWorkOwner(workId, msg.sender, owner);
        o.flags |= OFFER_CANCELLED;
        emit OfferCancelled(offerId, workId, msg.sender);
    }

    /// @notice The stored offer (terms with its territories, sold count, cancelled flag). `legalUri` is
    /// not stored: read it from the offer's `OfferCreated` event.
    function getOffer(uint256 offerId) external view returns (Terms memory terms, uint32 sold, bool cancelled) {
        StoredOffer memory o = _offers[offerId];
        if (o.workId == 0) revert OfferNotFound(offerId);
        terms = Terms({
            workId: o.workId,
            rights: o.rights,
            territories: _offerTerritories[offerId],
            start: o.start,
            end: o.end,
            exclusive: o.flags & FLAG_EXCLUSIVE != 0,
            sublicensable: o.flags & FLAG_SUBLICENSABLE != 0,
            transferable: o.flags & FLAG_TRANSFERABLE != 0,
            price: o.price,
            currency: o.currency,
            supplyCap: o.supplyCap,
            attestationKind: o.attestationKind,
            attestationTerritory: o.attestationTerritory,
            legalHash: _offerLegalHash[offerId],
            legalUri: ""
        });
        return (terms, o.sold, o.flags & OFFER_CANCELLED != 0);
    }

    /// @inheritdoc ILicenceMarket
    function cancelNonce(uint256 nonce) external {
        _nonceBits[msg.sender][nonce >> 8] |= uint256(1) << (nonce & 0xff);
        emit SignedOfferCancelled(msg.sender, nonce);
    }

    /// @inheritdoc ILicenceMarket
    function incrementCounter() external returns (uint256 counter) {
        // A counter cannot reach 2^256 one transaction at a time.
        unchecked {
            counter = ++counterOf[msg.sender];
        }
        emit CounterIncremented(msg.sender, counter);
    }

    // ---------------------------------------------------------------------------- purchase

    /// @inheritdoc ILicenceMarket
    function purchase(uint256 offerId, uint256 maxPrice)
        external
        payable
        nonReentrant
        whenNotPaused
        returns (uint256 licenceId)
    {
        StoredOffer storage stored = _liveOffer(offerId);
        StoredOffer memory o = stored;
        if (o.supplyCap != 0 && o.sold >= o.supplyCap) revert SupplyExhausted(o.supplyCap);
        // sold < supplyCap <= 2^32-1, or the offer is unlimited and 2^32 sales cannot happen.
        unchecked {
            stored.sold = o.sold + 1;
        }
        Sale memory sale = Sale({
            workId: o.workId,
            rights: o.rights,
            start: o.start,
            end: o.end,
            flags: o.flags & (FLAG_EXCLUSIVE | FLAG_SUBLICENSABLE | FLAG_TRANSFERABLE),
            price: o.price,
            currency: o.currency,
            maxPrice: maxPrice,
            attestationKind: o.attestationKind,
            attestationTerritory: o.attestationTerritory,
            offerId: offerId,
            digest: bytes32(0),
            seller: address(0),
            value: msg.value
        });
        uint16[] memory territories = new uint16[](0);
        if (o.flags & OFFER_HAS_TERRITORIES != 0) territories = _offerTerritories[offerId];
        if (o.currency != address(0) && !currencyAllowed[o.currency]) revert CurrencyNotAllowed(o.currency);
        licenceId = _sell(sale, territories);
    }

    /// @inheritdoc ILicenceMarket
    function purchaseSigned(SignedOffer calldata offer, bytes calldata signature, uint256 maxPrice)
        external
        payable
        nonReentrant
        whenNotPaused
        returns (uint256 licenceId)
    {
        Terms calldata t = offer.terms;
        address seller = offer.seller;
        if (block.timestamp > offer.deadline) revert SignatureExpired(offer.deadline, block.timestamp);
        address buyer = offer.buyer;
        if (buyer != address(0) && buyer != msg.sender) revert NotOfferBuyer(buyer, msg.sender);
        uint256 current = counterOf[seller];
        if (offer.counter != current) revert StaleCounter(seller, offer.counter, current);
        uint256 epoch = registry.ownershipEpoch(t.workId);
        if (offer.ownershipEpoch != epoch) revert OwnershipChanged(t.workId, offer.ownershipEpoch, epoch);
        bytes32 digest = _hashTypedDataV4(_hashSignedOffer(offer));
        (address recovered,,) = ECDSA.tryRecover(digest, signature);
        if (recovered != seller || seller == address(0)) revert InvalidSignature(seller, recovered);
        _validateTerms(t);
        if (t.supplyCap == 0) revert InvalidSupplyCap(0);
        uint256 sold = _consumeNonce(seller, offer.nonce, t.supplyCap);
        if (sold == 0) emit SignedOfferRedeemed(digest, seller, offer.nonce, t);
        Sale memory sale = Sale({
            workId: t.workId,
            rights: t.rights,
            start: t.start,
            end: t.end,
            flags: _termsFlags(t),
            price: t.price,
            currency: t.currency,
            maxPrice: maxPrice,
            attestationKind: t.attestationKind,
            attestationTerritory: t.attestationTerritory,
            offerId: 0,
            digest: digest,
            seller: seller,
            value: msg.value
        });
        licenceId = _sell(sale, t.territories);
    }

    /// @dev Marks one sale of a signed offer; returns how many it had sold before.
    function _consumeNonce(address seller, uint256 nonce, uint32 supplyCap) private returns (uint256 sold) {
        mapping(uint256 => uint256) storage bits = _nonceBits[seller];
        uint256 word = bits[nonce >> 8];
        uint256 bit = uint256(1) << (nonce & 0xff);
        if (word & bit != 0) revert NonceUnavailable(seller, nonce);
        if (supplyCap == 1) {
            bits[nonce >> 8] = word | bit;
            return 0;
        }
        sold = _signedSold[seller][nonce];
        if (sold >= supplyCap) revert SupplyExhausted(supplyCap);
        // sold < supplyCap < 2^32.
        unchecked {
            _signedSold[seller][nonce] = sold + 1;
        }
    }

    /// @dev Checks the work, attestation and exclusivity, mints the licence, credits payees, takes payment.
    function _sell(Sale memory sale, uint16[] memory territories) private returns (uint256 licenceId) {
        if (sale.end <= block.timestamp) revert TermsEnded(sale.end, block.timestamp);
        if (sale.price > sale.maxPrice) revert PriceAboveMax(sale.price, sale.maxPrice);
        IWorkRegistry.WorkInfo memory work = registry.getWork(sale.workId);
        address lead = work.owner;
        if (work.status != IWorkRegistry.WorkStatus.Active) {
            revert WorkNotActive(sale.workId, uint8(work.status));
        }
        if (sale.seller != address(0) && sale.seller != lead) revert NotWorkOwner(sale.workId, sale.seller, lead);
        address[] memory coOwners = new address[](0);
        uint16[] memory coBps = new uint16[](0);
        // Single-owner works (the common case) skip the second call.
        if (work.coOwnerCount != 0) (,, coOwners, coBps) = registry.payees(sale.workId);
        if (
            sale.attestationKind != 0
                && !registry.hasApproval(sale.workId, sale.attestationKind, sale.attestationTerritory)
        ) revert AttestationRequired(sale.workId, sale.attestationKind, sale.attestationTerritory);
        rules.checkSale(sale.workId, work.workType, sale.rights, territories);

        MarketConfig config = _config;
        // Checked: a 2^64th licence reverts rather than wrapping onto licence 0.
        uint64 serial = config.serial() + 1;
        _config = config.withSerial(serial);
        licenceId = (sale.workId << 64) | serial;
        _checkExclusivity(sale, territories, serial, licenceId);

        LicenceWord word =
            LicenceWordLib.pack(sale.rights, sale.start, sale.end, sale.flags & FLAG_TRANSFERABLE != 0);
        _mintAndSetExtraDataUnchecked(msg.sender, licenceId, LicenceWord.unwrap(word));
        LicenceExtras extras =
            LicenceExtrasLib.pack(sale.flags & FLAG_EXCLUSIVE != 0, sale.flags & FLAG_SUBLICENSABLE != 0);
        if (!extras.isEmpty()) _extras[licenceId] = extras;

        uint256 fee = uint256(sale.price) * config.feeBps() / 10_000;
        _payout(sale, licenceId, fee, lead, coOwners, coBps, config.treasury());
        _emitGranted(sale, licenceId, fee);
        _collect(sale.currency, sale.price, sale.value);
    }

    function _emitGranted(Sale memory sale, uint256 licenceId, uint256 fee) private {
        emit LicenceGranted(
            licenceId,
            sale.workId,
            msg.sender,
            sale.offerId,
            sale.digest,
            sale.rights,
            sale.start,
            sale.end,
            sale.flags,
            sale.currency,
            sale.price,
            fee
        );
    }

    function _payout(
        Sale memory sale,
        uint256 licenceId,
        uint256 fee,
        address lead,
        address[] memory coOwners,
        uint16[] memory coBps,
        address treasury
    ) private {
        uint256 price = sale.price;
        if (price == 0) return;
        address currency = sale.currency;
        // fee <= price * MAX_FEE_BPS / 10_000 < price; shares sum to at most `net`.
        unchecked {
            uint256 net = price - fee;
            uint256 rest = net;
            for (uint256 i; i < coOwners.length; ++i) {
                uint256 share = net * coBps[i] / 10_000;
                rest -= share;
                _credit(coOwners[i], currency, licenceId, share);
            }
            _credit(lead, currency, licenceId, rest);
            _credit(treasury, currency, licenceId, fee);
        }
    }

    function _credit(address payee, address currency, uint256 licenceId, uint256 amount) private {
        if (amount == 0) return;
        _credits[payee][currency] += amount;
        emit PaymentCredited(payee, currency, licenceId, amount);
    }

    /// @dev Takes the price from the buyer (last: interactions after effects). Refuses short payments.
    function _collect(address currency, uint256 price, uint256 value) private {
        if (currency == address(0)) {
            if (value != price) revert WrongPayment(price, value);
            return;
        }
        if (value != 0) revert WrongPayment(0, value);
        if (price == 0) return;
        IERC20 token = IERC20(currency);
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(msg.sender, address(this), price);
        uint256 received = token.balanceOf(address(this)) - before;
        if (received != price) revert PaymentShortfall(price, received);
    }

    // ---------------------------------------------------------------------------- exclusivity

    function _checkExclusivity(Sale memory sale, uint16[] memory territories, uint64 serial, uint256 licenceId)
        private
    {
        uint256 workId = sale.workId;
        Coverage cov = _coverage[workId];
        uint256 count = cov.exclusiveCount();
        if (sale.flags & FLAG_EXCLUSIVE == 0) {
            if (count != 0) _checkAgainstExclusives(workId, count, sale, territories, false);
            Coverage updated = cov.extend(sale.rights, sale.end);
            if (Coverage.unwrap(updated) != Coverage.unwrap(cov)) _coverage[workId] = updated;
            return;
        }
        uint256 floor = sale.start > block.timestamp ? sale.start : block.timestamp;
        for (uint256 i; i < CoverageLib.RIGHTS; ++i) {
            if (sale.rights & (1 << i) == 0) continue;
            uint256 until = cov.coveredUntil(i);
            // A saturated counter reads type(uint256).max (for ever): always after `floor`.
            if (until > floor) {
                revert CoverageConflict(uint8(i), until > type(uint40).max ? type(uint40).max : uint40(until));
            }
        }
        count = _checkAgainstExclusives(workId, count, sale, territories, true);
        if (count >= MAX_EXCLUSIVE) revert TooManyExclusiveGrants(MAX_EXCLUSIVE);
        bool hasTerritories = territories.length != 0;
        _exclusives[workId][count] = ExclusiveGrantLib.pack(serial, sale.rights, sale.start, sale.end, hasTerritories);
        if (hasTerritories) _licenceTerritories[licenceId] = territories;
        _coverage[workId] = cov.withExclusiveCount(count + 1);
    }

    /// @dev Reverts on overlap with an unexpired exclusive grant; when `prune`, drops expired entries
    /// (swap with last) and returns the new count.
    function _checkAgainstExclusives(
        uint256 workId,
        uint256 count,
        Sale memory sale,
        uint16[] memory territories,
        bool prune
    ) private returns (uint256) {
        mapping(uint256 => ExclusiveGrant) storage list = _exclusives[workId];
        uint256 i;
        while (i < count) {
            ExclusiveGrant g = list[i];
            uint256 gEnd = g.end();
            if (gEnd <= block.timestamp) {
                if (prune) {
                    --count;
                    list[i] = list[count];
                    list[count] = ExclusiveGrant.wrap(0);
                    continue;
                }
            } else if ((g.rights() & sale.rights) != 0 && g.start() < sale.end && sale.start < gEnd) {
                uint256 gLicence = (workId << 64) | g.serial();
                if (!g.hasTerritories() || territories.length == 0) revert ExclusiveConflict(gLicence);
                if (_intersects(_licenceTerritories[gLicence], territories)) revert ExclusiveConflict(gLicence);
            }
            ++i;
        }
        return count;
    }

    /// @dev Whether two strictly ascending code lists share a code (merge walk).
    function _intersects(uint16[] storage a, uint16[] memory b) private view returns (bool) {
        uint256 i = 0;
        uint256 j = 0;
        uint256 na = a.length;
        uint256 nb = b.length;
        while (i < na && j < nb) {
            uint16 x = a[i];
            uint16 y = b[j];
            if (x == y) return true;
            if (x < y) ++i;
            else ++j;
        }
        return false;
    }

    // ---------------------------------------------------------------------------- payments

    /// @inheritdoc ILicenceMarket
    function withdraw(address currency) external nonReentrant returns (uint256 amount) {
        amount = _credits[msg.sender][currency];
        if (amount == 0) revert NothingToWithdraw(msg.sender, currency);
        _credits[msg.sender][currency] = 0;
        emit Withdrawn(msg.sender, currency, amount);
        if (currency == address(0)) {
            (bool ok,) = msg.sender.call{value: amount}("");
            if (!ok) revert EthTransferFailed(msg.sender, amount);
        } else {
            IERC20(currency).safeTransfer(msg.sender, amount);
        }
    }

    /// @inheritdoc ILicenceMarket
    function creditOf(address account, address currency) external view returns (uint256) {
        return _credits[account][currency];
    }

    // ---------------------------------------------------------------------------- licences

    /// @inheritdoc ILicenceMarket
    function revokeLicence(uint256 licenceId, uint256 disputeId) external onlyRole(REVOKER_ROLE) {
        if (!_exists(licenceId)) revert LicenceNotFound(licenceId);
        LicenceExtras extras = _extras[licenceId];
        if (extras.revokedAt() != 0) revert LicenceAlreadyRevoked(licenceId);
        uint40 revokedAt = SafeCast.toUint40(block.timestamp);
        _extras[licenceId] = extras.withRevokedAt(revokedAt);
        uint256 workId = licenceId >> 64;
        if (extras.exclusive()) _dropExclusive(workId, uint64(licenceId));
        emit LicenceRevoked(licenceId, workId, disputeId, msg.sender, revokedAt);
    }

    function _dropExclusive(uint256 workId, uint64 serial) private {
        Coverage cov = _coverage[workId];
        uint256 count = cov.exclusiveCount();
        mapping(uint256 => ExclusiveGrant) storage list = _exclusives[workId];
        for (uint256 i; i < count; ++i) {
            if (list[i].serial() == serial) {
                --count;
                list[i] = list[count];
                list[count] = ExclusiveGrant.wrap(0);
                _coverage[workId] = cov.withExclusiveCount(count);
                return;
            }
        }
    }

    /// @inheritdoc ILicenceMarket
    function licenceStatus(uint256 licenceId, uint256 timestamp) public view returns (LicenceStatus) {
        if (!_exists(licenceId)) return LicenceStatus.None;
        uint256 revokedAt = _extras[licenceId].revokedAt();
        if (revokedAt != 0 && timestamp >= revokedAt) return LicenceStatus.Revoked;
        LicenceWord word = LicenceWord.wrap(_getExtraData(licenceId));
        if (timestamp < word.start()) return LicenceStatus.NotYetValid;
        if (timestamp >= word.end()) return LicenceStatus.Expired;
        return LicenceStatus.Valid;
    }

    /// @inheritdoc ILicenceMarket
    function isLicenceValid(uint256 licenceId, uint256 timestamp) external view returns (bool) {
        return licenceStatus(licenceId, timestamp) == LicenceStatus.Valid;
    }

    /// @inheritdoc ILicenceMarket
    function licenceCovers(uint256 licenceId, address holder, uint256 workId, uint16 rights)
        external
        view
        returns (bool)
    {
        if (licenceId >> 64 != workId || _ownerOf(licenceId) != holder || holder == address(0)) return false;
        if (licenceStatus(licenceId, block.timestamp) != LicenceStatus.Valid) return false;
        return LicenceWord.wrap(_getExtraData(licenceId)).rights() & rights == rights;
    }

    /// @inheritdoc ILicenceMarket
    function getLicence(uint256 licenceId) external view returns (LicenceInfo memory) {
        address holder = _ownerOf(licenceId);
        if (holder == address(0)) revert LicenceNotFound(licenceId);
        LicenceWord word = LicenceWord.wrap(_getExtraData(licenceId));
        LicenceExtras extras = _extras[licenceId];
        return LicenceInfo({
            workId: licenceId >> 64,
            holder: holder,
            rights: word.rights(),
            start: word.start(),
            end: word.end(),
            exclusive: extras.exclusive(),
            sublicensable: extras.sublicensable(),
            transferable: word.transferable(),
            revoked: extras.revokedAt() != 0,
            revokedAt: extras.revokedAt()
        });
    }

    /// @notice Territories of an exclusive licence (empty: worldwide, or not exclusive).
    function exclusiveTerritories(uint256 licenceId) external view returns (uint16[] memory) {
        return _licenceTerritories[licenceId];
    }

    /// @inheritdoc ILicenceMarket
    function hashSignedOffer(SignedOffer calldata offer) external view returns (bytes32) {
        return _hashTypedDataV4(_hashSignedOffer(offer));
    }

    /// @notice Number of licences sold so far.
    function totalLicences() external view returns (uint256) {
        return _config.serial();
    }

    /// @notice The protocol fee and its treasury.
    function fee() external view returns (uint16 feeBps, address treasury) {
        MarketConfig config = _config;
        return (config.feeBps(), config.treasury());
    }

    // ---------------------------------------------------------------------------- admin

    /// @notice Set the protocol fee (<= MAX_FEE_BPS) and its treasury.
    function setFee(uint16 feeBps, address treasury) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setFee(feeBps, treasury);
    }

    function _setFee(uint16 feeBps, address treasury) private {
        if (feeBps > MAX_FEE_BPS || (treasury == address(0) && feeBps != 0)) revert InvalidFee(feeBps, MAX_FEE_BPS);
        _config = _config.withFee(feeBps, treasury);
        emit FeeChanged(feeBps, treasury);
    }

    /// @notice Allow or disallow an ERC-20 as currency for new offers and purchases.
    function setCurrencyAllowed(address currency, bool allowed) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (currency == address(0)) revert ZeroAddress();
        currencyAllowed[currency] = allowed;
        emit CurrencyAllowed(currency, allowed);
    }

    /// @notice Stop offers and purchases (withdrawals, cancellations and revocations stay open).
    function pause() external onlyRole(PAUSER_ROLE) whenNotPaused {
        _config = _config.withPaused(true);
        emit Paused(msg.sender);
    }

    /// @notice Resume.
    function unpause() external onlyRole(PAUSER_ROLE) {
        if (!_config.paused()) revert Pausable.ExpectedPause();
        _config = _config.withPaused(false);
        emit Unpaused(msg.sender);
    }

    /// @notice Whether the market is paused.
    function paused() external view returns (bool) {
        return _config.paused();
    }

    modifier whenNotPaused() {
        if (_config.paused()) revert Pausable.EnforcedPause();
        _;
    }

    // ---------------------------------------------------------------------------- ERC-721 plumbing

    /// @inheritdoc ERC721
    function name() public pure override returns (string memory) {
        return "Copyright Hub Licence";
    }

    /// @inheritdoc ERC721
    function symbol() public pure override returns (string memory) {
        return "CHLIC";
    }

    /// @notice A `data:` URI holding the licence's ERC-721 metadata JSON (plain, not base64):
    /// `{"name":"Copyright Hub Licence <licence id>"}`. The licence id is `workId << 64 | serial`; its terms
    /// are in `getLicence` and `LicenceGranted` (a richer JSON does not fit under EIP-170's size limit).
    function tokenURI(uint256 id) public view override returns (string memory) {
        if (!_exists(id)) revert LicenceNotFound(id);
        return string.concat('data:application/json,{"name":"Copyright Hub Licence ', LibString.toString(id), '"}');
    }

    /// @inheritdoc ERC721
    function supportsInterface(bytes4 interfaceId)
        public
        view
        override(ERC721, AccessControlDefaultAdminRules)
        returns (bool)
    {
        return ERC721.supportsInterface(interfaceId) || AccessControlDefaultAdminRules.supportsInterface(interfaceId);
    }

    /// @notice ERC-721 declares approve/transfer payable; licences are sold only through `purchase*`, so
    /// ETH sent with them is refused rather than locked.
    function approve(address account, uint256 id) public payable override {
        if (msg.value != 0) revert EthNotAccepted(msg.value);
        super.approve(account, id);
    }

    /// @inheritdoc ERC721
    function transferFrom(address from, address to, uint256 id) public payable override {
        if (msg.value != 0) revert EthNotAccepted(msg.value);
        super.transferFrom(from, to, id);
    }

    /// @inheritdoc ERC721
    function safeTransferFrom(address from, address to, uint256 id, bytes calldata data) public payable override {
        if (msg.value != 0) revert EthNotAccepted(msg.value);
        super.safeTransferFrom(from, to, id, data);
    }

    // solady's 3-argument safeTransferFrom calls `transferFrom`, which refuses ETH.

    /// @dev Only licences whose terms say so may change hands, and never once revoked.
    function _beforeTokenTransfer(address from, address to, uint256 id) internal view override {
        if (from == address(0) || to == address(0)) return;
        if (!LicenceWord.wrap(_getExtraData(id)).transferable() || _extras[id].revokedAt() != 0) {
            revert LicenceNotTransferable(id);
        }
    }

    /// @dev The first grant of REVOKER_ROLE (the wiring to the resolver) puts the role under SEALED_ROLE,
    /// which nobody holds: the default admin can then neither grant it to itself nor take it away.
    function _grantRole(bytes32 role, address account) internal override returns (bool granted) {
        granted = super._grantRole(role, account);
        if (granted && role == REVOKER_ROLE) _setRoleAdmin(REVOKER_ROLE, SEALED_ROLE);
    }

    // ---------------------------------------------------------------------------- internals

    function _liveOffer(uint256 offerId) private view returns (StoredOffer storage o) {
        o = _offers[offerId];
        if (o.workId == 0) revert OfferNotFound(offerId);
        if (o.flags & OFFER_CANCELLED != 0) revert OfferCancelledAlready(offerId);
    }

    function _requireOwnerOfActive(uint256 workId) private view {
        (address owner, IWorkRegistry.WorkStatus status) = registry.ownerAndStatus(workId);
        if (owner != msg.sender) revert NotWorkOwner(workId, msg.sender, owner);
        if (status != IWorkRegistry.WorkStatus.Active) revert WorkNotActive(workId, uint8(status));
    }

    function _validateTerms(Terms calldata t) private view {
        if (t.workId == 0 || t.workId > type(uint64).max) revert WorkNotFound(t.workId);
        if (t.rights == 0 || t.rights > ALL_RIGHTS) revert InvalidRights(t.rights);
        if (t.end <= t.start) revert InvalidWindow(t.start, t.end);
        uint256 n = t.territories.length;
        if (n > MAX_TERRITORIES) revert InvalidTerritories(n, 0);
        uint16 previous = 0;
        for (uint256 i; i < n; ++i) {
            uint16 code = t.territories[i];
            if (code <= previous || code > 999) revert InvalidTerritories(i, code);
            previous = code;
        }
        if (t.currency != address(0) && !currencyAllowed[t.currency]) revert CurrencyNotAllowed(t.currency);
        if (t.exclusive && t.supplyCap != 1) revert InvalidSupplyCap(t.supplyCap);
    }

    function _termsFlags(Terms calldata t) private pure returns (uint8 flags) {
        if (t.exclusive) flags |= FLAG_EXCLUSIVE;
        if (t.sublicensable) flags |= FLAG_SUBLICENSABLE;
        if (t.transferable) flags |= FLAG_TRANSFERABLE;
    }

    function _hashSignedOffer(SignedOffer calldata offer) private pure returns (bytes32) {
        return keccak256(
            abi.encode(
                SIGNED_OFFER_TYPEHASH,
                _hashTerms(offer.terms),
                offer.seller,
                offer.nonce,
                offer.counter,
                offer.ownershipEpoch,
                offer.deadline,
                offer.buyer
            )
        );
    }

    function _hashTerms(Terms calldata t) private pure returns (bytes32) {
        return keccak256(
            abi.encode(
                TERMS_TYPEHASH,
                t.workId,
                t.rights,
                keccak256(abi.encodePacked(t.territories)),
                t.start,
                t.end,
                t.exclusive,
                t.sublicensable,
                t.transferable,
                t.price,
                t.currency,
                t.supplyCap,
                t.attestationKind,
                t.attestationTerritory,
                t.legalHash,
                keccak256(bytes(t.legalUri))
            )
        );
    }
}
