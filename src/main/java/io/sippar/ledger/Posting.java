package io.sippar.ledger;

import java.math.BigInteger;

/**
 * One line of a journal entry.
 *
 * @param account e.g. {@code payer:eip155:8453:0xabc}, {@code merchant:<uuid>}, {@code gateway:fee_revenue}
 * @param amount positive = debit, negative = credit; the lines of an entry sum to zero per asset
 */
public record Posting(String account, String asset, BigInteger amount) {
}
