// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/**
 * @title ERC1271TestWallet: the smallest useful contract signer for tests
 * @notice A signature is valid iff it is a 65-byte ECDSA signature by `owner` over the
 *         hash exactly as given (no extra prefix or re-hashing), so a test signs the same
 *         EIP-712 digest it would sign for an EOA and puts the wallet address in `from`.
 *         Real smart wallets (Safe, Coinbase Smart Wallet) wrap the hash differently;
 *         this one only has to exercise the ERC-1271 branch of token and facilitator.
 *         `execute` lets the owner move the wallet's funds (e.g. a plain ERC-20 transfer).
 */
contract ERC1271TestWallet {
    bytes4 private constant MAGIC_VALUE = 0x1626ba7e; // bytes4(keccak256("isValidSignature(bytes32,bytes)"))
    bytes4 private constant INVALID = 0xffffffff;
    uint256 private constant SECP256K1_HALF_N = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    address public immutable owner;

    constructor(address owner_) {
        require(owner_ != address(0), "ERC1271TestWallet: zero owner");
        owner = owner_;
    }

    receive() external payable {}

    /// @dev Never reverts: ERC-1271 callers treat "not the magic value" as invalid, and a
    ///      non-reverting answer keeps the caller's revert reason ("invalid signature").
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        if (signature.length != 65) return INVALID;
        bytes32 r = bytes32(signature[0:32]);
        bytes32 s = bytes32(signature[32:64]);
        uint8 v = uint8(signature[64]);
        if (uint256(s) > SECP256K1_HALF_N || (v != 27 && v != 28)) return INVALID;
        address signer = ecrecover(hash, v, r, s);
        return (signer != address(0) && signer == owner) ? MAGIC_VALUE : INVALID;
    }

    function execute(address target, uint256 value, bytes calldata data) external returns (bytes memory) {
        require(msg.sender == owner, "ERC1271TestWallet: caller is not the owner");
        (bool ok, bytes memory result) = target.call{value: value}(data);
        if (!ok) {
            // Bubble the callee's revert data up unchanged so tests see the token's reason.
            assembly ("memory-safe") {
                revert(add(result, 0x20), mload(result))
            }
        }
        return result;
    }
}
