package io.sippar.algorand;

/** Vectors C and E of x402-protocol.md section 6.2, and the keys behind E. */
final class AvmVectors {

    private AvmVectors() {
    }

    // --- C: the spec's group (scheme_exact_algo.md), mainnet, placeholder addresses ------------

    /** Element 0: the unsigned fee payer wrapped as {@code {"txn": ...}}. */
    static final String C_FEE_PAYER = "gaN0eG6Jo2ZlZc0H0KJmds4DLgNro2dlbqxtYWlubmV0LXYxLjCiZ2jEIMBhxNj8Hb3e0tdgS+RWjj9t"
            + "BBmHrDe95LYgtas5JIrfo2dycMQgfy1Szr+lgvgTJsviMY2KnHSsXqyfCJ1UOCE+2Tf3vS+ibHbOAy4HU6NyY3bEICgEhaJgm6IBjiSU"
            + "gAAAAAAAAAAAAAAAAAAAAAAAAAAAo3NuZMQgKASFomCbogGOJJSAAAAAAAAAAAAAAAAAAAAAAAAAAACkdHlwZaNwYXk=";
    /** Element 1: the client's signed axfer (the signature does not verify: placeholder key). */
    static final String C_PAYMENT = "gqNzaWfEQP3J1DI6GLSfK0nLZftvSyVMJuFOE48xPlnZpNdEJWbGbcxsD5aASwza4TjbwhgEF0dXOv8E3W/f"
            + "22vkEzfFywWjdHhuiaRhYW10zgBMS0CkYXJjdsQgiSTqRESRI1JEAxxJKQAAAAAAAAAAAAAAAAAAAAAAAACiZnbOAy4Da6JnaMQgwGHE2P"
            + "wdvd7S12BL5FaOP20EGYesN73ktiC1qzkkit+jZ3JwxCB/LVLOv6WC+BMmy+IxjYqcdKxerJ8InVQ4IT7ZN/e9L6Jsds4DLgdTo3NuZMQg"
            + "EtBGzAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACkdHlwZaVheGZlcqR4YWlkzgHhq3A=";
    static final String C_FEE_PAYER_TXID = "6WIU4BJRCB35BO4NWD6QEI22VDECWEYDBXIVSCPCJ2SWIJTNVIRA";
    /** Equal to the spec's PAYMENT-RESPONSE {@code transaction}. */
    static final String C_PAYMENT_TXID = "NTRZR6HGMMZGYMJKUNVNLKLA427ACAVIPFNC6JHA5XNBQQHW7MWA";
    static final String C_GROUP = "fy1Szr+lgvgTJsviMY2KnHSsXqyfCJ1UOCE+2Tf3vS8=";
    static final String C_FACILITATOR = "FACILITATORADDRESSAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAALQCXBZE";
    static final String C_CLIENT = "CLIENTAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAHFUPIRI";
    static final String C_MERCHANT = "RESOURCESERVERADDRESSAAAAAAAAAAAAAAAAAAAAAAAAAAAAAALTSRPAE";
    static final String MAINNET_GH = "wGHE2Pwdvd7S12BL5FaOP20EGYesN73ktiC1qzkkit8=";

    // --- E: a fully valid testnet group, never broadcast -----------------------------------------

    /** The throwaway AVM key of the reference's signer test; its second half is NOT the seed's public key. */
    static final String REPO_AVM_KEY =
            "mZHHvLfOqJrIxIMTYPFdGWxfZy1MtaT3J6aJny+4yW1jkF6o6oKpKU7m5JfNdghc26oLTvRnEEBkDjY14WU3Cw==";
    static final String E_CLIENT = "6CIYSFEKGEBUUO6Z2NLUV7TOU3QXNT7YHSVOKCASHYW5KJ3PL25CBBI45Y";
    /** Seed 32 x 0x01 in the x402 key form (seed followed by its public key). */
    static final String E_FACILITATOR_KEY =
            "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQGKiOPddAnxlf1S2y08ul1yymcJvx2UEhvzdIgBtA9vXA==";
    static final String E_FACILITATOR = "RKEOHXLUBHYZL7KS3MWTZOS5OLFGOCN7DWKBEG7TOSEADNAPN5OOTUNSLE";
    /** Seed 32 x 0x02. */
    static final String E_MERCHANT = "QE4XODVIPULV6VVDKRTMGTD6ZTFY3CURWTXDPIS56YHVXD6JWOKORTLPBU";
    static final String TESTNET_GH = "SGO1GKSzyE7IEPItTxCByw9x8FmnrCDexi9/cOUJOiI=";
    static final String TESTNET = "algorand:" + TESTNET_GH;
    static final String USDC_TESTNET = "10458941";
    static final String E_GROUP = "hg5e8/8wVznPnD6Brk4+fw/T8HKcR0aQZANQqGnIoFY=";
    static final String E_FEE_PAYER_TXID = "5IJLHLKQ5G447TF6EEQR6RGEW23UAJCZKLRKWSVOZBWCXXI7FEEA";
    static final String E_PAYMENT_TXID = "5RRCVLHKDUUEDM4NQZTW2ZQVWQUYSA57TWBTVFONENHN5K6ASGKA";
    /** paymentGroup[0]: the bare unsigned fee payer, as the TS client sends it. */
    static final String E_FEE_PAYER = "iaNmZWXNB9CiZnbOAvrwgKNnZW6sdGVzdG5ldC12MS4womdoxCBIY7UYpLPITsgQ8i1PEIHLD3HwWa"
            + "esIN7GL39w5Qk6IqNncnDEIIYOXvP/MFc5z5w+ga5OPn8P0/BynEdGkGQDUKhpyKBWomx2zgL69GijcmN2xCCKiOPddAnxlf1S2y08ul1y"
            + "ymcJvx2UEhvzdIgBtA9vXKNzbmTEIIqI4910CfGV/VLbLTy6XXLKZwm/HZQSG/N0iAG0D29cpHR5cGWjcGF5";
    /** paymentGroup[1]: the client's signed axfer (fee 0, amount 1000 of ASA 10458941). */
    static final String E_PAYMENT = "gqNzaWfEQM0+AOOS0denGXm5YBjIJWy02YtZlNNMXmlbQ/JA3Mpp4nUHmWi4MavH0QMkYgOlNFk66Nz7"
            + "uqUUKxKrXKXnCgWjdHhuiqRhYW10zQPopGFyY3bEIIE5dw6ofRdfVqNUZsNMfszLjYqRtO43ol32D1uPybOUomZ2zgL68ICjZ2VurHRlc3RuZX"
            + "QtdjEuMKJnaMQgSGO1GKSzyE7IEPItTxCByw9x8FmnrCDexi9/cOUJOiKjZ3JwxCCGDl7z/zBXOc+cPoGuTj5/D9PwcpxHRpBkA1CoacigVqJs"
            + "ds4C+vRoo3NuZMQg8JGJFIoxA0o72dNXSv5upuF2z/g8quUIEj4t1SdvXrqkdHlwZaVheGZlcqR4YWlkzgCflz0=";
    /** The fee payer signed with the facilitator key (deterministic Ed25519). */
    static final String E_FEE_PAYER_SIGNED = "gqNzaWfEQJFODrK9OYVyQVgR1g7M9Etp6M86M+5V9VyeRuTBgJVOpRyz1UwyeID9NyoeZu2cLt6"
            + "n/fPeOa0qdqt1mIWa0wSjdHhuiaNmZWXNB9CiZnbOAvrwgKNnZW6sdGVzdG5ldC12MS4womdoxCBIY7UYpLPITsgQ8i1PEIHLD3HwWaesIN7GL"
            + "39w5Qk6IqNncnDEIIYOXvP/MFc5z5w+ga5OPn8P0/BynEdGkGQDUKhpyKBWomx2zgL69GijcmN2xCCKiOPddAnxlf1S2y08ul1yymcJvx2UEhv"
            + "zdIgBtA9vXKNzbmTEIIqI4910CfGV/VLbLTy6XXLKZwm/HZQSG/N0iAG0D29cpHR5cGWjcGF5";
}
