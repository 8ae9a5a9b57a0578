// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/**
 * @title SipparDisburser: the gateway's treasury on an EVM chain
 * @notice Holds the tokens that treasury-mode payments pay in (its address is the `payTo` of
 *         those 402s) and pays merchants out in batches. Only the owner, the gateway's treasury
 *         key (an EOA that pays the gas and has its own nonce sequence), can move anything.
 *
 *         Why a contract rather than the treasury EOA itself: a batch of ERC-20 transfers to
 *         several merchants needs one caller that is the token sender; Multicall3 would be the
 *         sender of its calls, and `transferFrom` through it needs allowances and costs an
 *         allowance write per transfer. Here the tokens sit in the contract and each transfer
 *         is a plain `transfer` from it.
 *
 *         Each transfer of a batch is tried on its own: one that reverts (a blacklisted
 *         receiver, a paused token) is reported by `DisbursementFailed` with the revert data and
 *         the others are still paid in the same transaction. Events carry the batch id the
 *         gateway chose, so a receipt tells exactly which payout items moved.
 */
contract SipparDisburser {
    address public immutable owner;

    event Disbursed(bytes32 indexed batch, uint256 index, address indexed to, uint256 amount);
    event DisbursementFailed(bytes32 indexed batch, uint256 index, address indexed to, uint256 amount, bytes reason);

    constructor(address owner_) {
        require(owner_ != address(0), "SipparDisburser: owner is the zero address");
        owner = owner_;
    }

    /**
     * @notice Pays `amounts[i]` of `token` to `to[i]` for every i, each on its own.
     * @return paid whether each transfer went through (what an eth_call answers before sending)
     */
    function disburse(address token, bytes32 batch, address[] calldata to, uint256[] calldata amounts)
        external
        returns (bool[] memory paid)
    {
        require(msg.sender == owner, "SipparDisburser: caller is not the owner");
        require(to.length == amounts.length, "SipparDisburser: length mismatch");
        // a call to an address without code succeeds and moves nothing
        require(token.code.length > 0, "SipparDisburser: token is not a contract");
        paid = new bool[](to.length);
        for (uint256 i = 0; i < to.length; i++) {
            (bool ok, bytes memory ret) = token.call(abi.encodeWithSelector(0xa9059cbb, to[i], amounts[i]));
            // tokens that return nothing (USDT) count as success; one that returns false does not
            ok = ok && (ret.length == 0 || (ret.length >= 32 && abi.decode(ret, (bool))));
            paid[i] = ok;
            if (ok) {
                emit Disbursed(batch, i, to[i], amounts[i]);
            } else {
                emit DisbursementFailed(batch, i, to[i], amounts[i], ret);
            }
        }
    }
}
