package io.sippar.x402;

/**
 * Header examples from the x402 reference's specs/transports-v2/http.md and
 * specs/transports-v1/http.md, with the JSON each one is documented to decode to.
 */
final class SpecVectors {

    private SpecVectors() {
    }

    static final String V2_PAYMENT_REQUIRED =
            "eyJ4NDAyVmVyc2lvbiI6MiwiZXJyb3IiOiJQQVlNRU5ULVNJR05BVFVSRSBoZWFkZXIgaXMgcmVxdWlyZWQiLCJyZXNvdXJjZSI6"
            + "eyJ1cmwiOiJodHRwczovL2FwaS5leGFtcGxlLmNvbS9wcmVtaXVtLWRhdGEiLCJkZXNjcmlwdGlvbiI6IkFjY2VzcyB0byBwcmVt"
            + "aXVtIG1hcmtldCBkYXRhIiwibWltZVR5cGUiOiJhcHBsaWNhdGlvbi9qc29uIn0sImFjY2VwdHMiOlt7InNjaGVtZSI6ImV4YWN0"
            + "IiwibmV0d29yayI6ImVpcDE1NTo4NDUzMiIsImFtb3VudCI6IjEwMDAwIiwiYXNzZXQiOiIweDAzNkNiRDUzODQyYzU0MjY2MzRl"
            + "NzkyOTU0MWVDMjMxOGYzZENGN2UiLCJwYXlUbyI6IjB4MjA5NjkzQmM2YWZjMEM1MzI4YkEzNkZhRjAzQzUxNEVGMzEyMjg3QyIs"
            + "Im1heFRpbWVvdXRTZWNvbmRzIjo2MCwiZXh0cmEiOnsibmFtZSI6IlVTREMiLCJ2ZXJzaW9uIjoiMiJ9fV19";

    static final String V2_PAYMENT_REQUIRED_JSON = """
            {
              "x402Version": 2,
              "error": "PAYMENT-SIGNATURE header is required",
              "resource": {
                "url": "https://api.example.com/premium-data",
                "description": "Access to premium market data",
                "mimeType": "application/json"
              },
              "accepts": [
                {
                  "scheme": "exact",
                  "network": "eip155:84532",
                  "amount": "10000",
                  "asset": "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
                  "payTo": "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
                  "maxTimeoutSeconds": 60,
                  "extra": {"name": "USDC", "version": "2"}
                }
              ]
            }""";

    static final String V2_PAYMENT_SIGNATURE =
            "eyJ4NDAyVmVyc2lvbiI6MiwicmVzb3VyY2UiOnsidXJsIjoiaHR0cHM6Ly9hcGkuZXhhbXBsZS5jb20vcHJlbWl1bS1kYXRhIiwi"
            + "ZGVzY3JpcHRpb24iOiJBY2Nlc3MgdG8gcHJlbWl1bSBtYXJrZXQgZGF0YSIsIm1pbWVUeXBlIjoiYXBwbGljYXRpb24vanNvbiJ9"
            + "LCJhY2NlcHRlZCI6eyJzY2hlbWUiOiJleGFjdCIsIm5ldHdvcmsiOiJlaXAxNTU6ODQ1MzIiLCJhbW91bnQiOiIxMDAwMCIsImFz"
            + "c2V0IjoiMHgwMzZDYkQ1Mzg0MmM1NDI2NjM0ZTc5Mjk1NDFlQzIzMThmM2RDRjdlIiwicGF5VG8iOiIweDIwOTY5M0JjNmFmYzBD"
            + "NTMyOGJBMzZGYUYwM0M1MTRFRjMxMjI4N0MiLCJtYXhUaW1lb3V0U2Vjb25kcyI6NjAsImV4dHJhIjp7Im5hbWUiOiJVU0RDIiwi"
            + "dmVyc2lvbiI6IjIifX0sInBheWxvYWQiOnsic2lnbmF0dXJlIjoiMHgyZDZhNzU4OGQ2YWNjYTUwNWNiZjBkOWE0YTIyN2UwYzUy"
            + "YzZjMzQwMDhjOGU4OTg2YTEyODMyNTk3NjQxNzM2MDhhMmNlNjQ5NjY0MmUzNzdkNmRhOGRiYmY1ODM2ZTliZDE1MDkyZjllY2Fi"
            + "MDVkZWQzZDYyOTNhZjE0OGI1NzFjIiwiYXV0aG9yaXphdGlvbiI6eyJmcm9tIjoiMHg4NTdiMDY1MTlFOTFlM0E1NDUzODc5MWJE"
            + "YmIwRTIyMzczZTM2YjY2IiwidG8iOiIweDIwOTY5M0JjNmFmYzBDNTMyOGJBMzZGYUYwM0M1MTRFRjMxMjI4N0MiLCJ2YWx1ZSI6"
            + "IjEwMDAwIiwidmFsaWRBZnRlciI6IjE3NDA2NzIwODkiLCJ2YWxpZEJlZm9yZSI6IjE3NDA2NzIxNTQiLCJub25jZSI6IjB4ZjM3"
            + "NDY2MTNjMmQ5MjBiNWZkYWJjMDg1NmYyYWViMmQ0Zjg4ZWU2MDM3YjhjYzVkMDRhNzFhNDQ2MmYxMzQ4MCJ9fX0=";

    static final String V2_PAYMENT_SIGNATURE_JSON = """
            {
              "x402Version": 2,
              "resource": {
                "url": "https://api.example.com/premium-data",
                "description": "Access to premium market data",
                "mimeType": "application/json"
              },
              "accepted": {
                "scheme": "exact",
                "network": "eip155:84532",
                "amount": "10000",
                "asset": "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
                "payTo": "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
                "maxTimeoutSeconds": 60,
                "extra": {"name": "USDC", "version": "2"}
              },
              "payload": {
                "signature": "0x2d6a7588d6acca505cbf0d9a4a227e0c52c6c34008c8e8986a1283259764173608a2ce6496642e377d6da8dbbf5836e9bd15092f9ecab05ded3d6293af148b571c",
                "authorization": {
                  "from": "0x857b06519E91e3A54538791bDbb0E22373e36b66",
                  "to": "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
                  "value": "10000",
                  "validAfter": "1740672089",
                  "validBefore": "1740672154",
                  "nonce": "0xf3746613c2d920b5fdabc0856f2aeb2d4f88ee6037b8cc5d04a71a4462f13480"
                }
              }
            }""";

    static final String V2_PAYMENT_RESPONSE_SUCCESS =
            "eyJzdWNjZXNzIjp0cnVlLCJ0cmFuc2FjdGlvbiI6IjB4MTIzNDU2Nzg5MGFiY2RlZjEyMzQ1Njc4OTBhYmNkZWYxMjM0NTY3ODkw"
            + "YWJjZGVmMTIzNDU2Nzg5MGFiY2RlZiIsIm5ldHdvcmsiOiJlaXAxNTU6ODQ1MzIiLCJwYXllciI6IjB4ODU3YjA2NTE5RTkxZTNB"
            + "NTQ1Mzg3OTFiRGJiMEUyMjM3M2UzNmI2NiJ9";

    static final String V2_PAYMENT_RESPONSE_SUCCESS_JSON = """
            {
              "success": true,
              "transaction": "0x1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef",
              "network": "eip155:84532",
              "payer": "0x857b06519E91e3A54538791bDbb0E22373e36b66"
            }""";

    /** Current (x402-foundation) failure example: carries transaction "" and payer. */
    static final String V2_PAYMENT_RESPONSE_FAILURE =
            "eyJzdWNjZXNzIjpmYWxzZSwiZXJyb3JSZWFzb24iOiJpbnN1ZmZpY2llbnRfZnVuZHMiLCJ0cmFuc2FjdGlvbiI6IiIsIm5ldHdv"
            + "cmsiOiJlaXAxNTU6ODQ1MzIiLCJwYXllciI6IjB4ODU3YjA2NTE5RTkxZTNBNTQ1Mzg3OTFiRGJiMEUyMjM3M2UzNmI2NiJ9";

    static final String V2_PAYMENT_RESPONSE_FAILURE_JSON = """
            {
              "success": false,
              "errorReason": "insufficient_funds",
              "transaction": "",
              "network": "eip155:84532",
              "payer": "0x857b06519E91e3A54538791bDbb0E22373e36b66"
            }""";

    /** Older (coinbase) failure example: no transaction member, which the TS client would now reject. */
    static final String V2_PAYMENT_RESPONSE_FAILURE_OLD =
            "eyJzdWNjZXNzIjpmYWxzZSwiZXJyb3JSZWFzb24iOiJpbnN1ZmZpY2llbnRfZnVuZHMiLCJuZXR3b3JrIjoiZWlwMTU1Ojg0NTMy"
            + "In0=";

    static final String V2_PAYMENT_RESPONSE_FAILURE_OLD_JSON = """
            {"success": false, "errorReason": "insufficient_funds", "network": "eip155:84532"}""";

    static final String V1_X_PAYMENT =
            "eyJ4NDAyVmVyc2lvbiI6MSwic2NoZW1lIjoiZXhhY3QiLCJuZXR3b3JrIjoiYmFzZS1zZXBvbGlhIiwicGF5bG9hZCI6eyJzaWdu"
            + "YXR1cmUiOiIweDJkNmE3NTg4ZDZhY2NhNTA1Y2JmMGQ5YTRhMjI3ZTBjNTJjNmMzNDAwOGM4ZTg5ODZhMTI4MzI1OTc2NDE3MzYw"
            + "OGEyY2U2NDk2NjQyZTM3N2Q2ZGE4ZGJiZjU4MzZlOWJkMTUwOTJmOWVjYWIwNWRlZDNkNjI5M2FmMTQ4YjU3MWMiLCJhdXRob3Jp"
            + "emF0aW9uIjp7ImZyb20iOiIweDg1N2IwNjUxOUU5MWUzQTU0NTM4NzkxYkRiYjBFMjIzNzNlMzZiNjYiLCJ0byI6IjB4MjA5Njkz"
            + "QmM2YWZjMEM1MzI4YkEzNkZhRjAzQzUxNEVGMzEyMjg3QyIsInZhbHVlIjoiMTAwMDAiLCJ2YWxpZEFmdGVyIjoiMTc0MDY3MjA4"
            + "OSIsInZhbGlkQmVmb3JlIjoiMTc0MDY3MjE1NCIsIm5vbmNlIjoiMHhmMzc0NjYxM2MyZDkyMGI1ZmRhYmMwODU2ZjJhZWIyZDRm"
            + "ODhlZTYwMzdiOGNjNWQwNGE3MWE0NDYyZjEzNDgwIn19fQ==";

    // the older spec text said "kairos-testnet" here; the bytes (and the current spec) say base-sepolia
    static final String V1_X_PAYMENT_JSON = """
            {
              "x402Version": 1,
              "scheme": "exact",
              "network": "base-sepolia",
              "payload": {
                "signature": "0x2d6a7588d6acca505cbf0d9a4a227e0c52c6c34008c8e8986a1283259764173608a2ce6496642e377d6da8dbbf5836e9bd15092f9ecab05ded3d6293af148b571c",
                "authorization": {
                  "from": "0x857b06519E91e3A54538791bDbb0E22373e36b66",
                  "to": "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
                  "value": "10000",
                  "validAfter": "1740672089",
                  "validBefore": "1740672154",
                  "nonce": "0xf3746613c2d920b5fdabc0856f2aeb2d4f88ee6037b8cc5d04a71a4462f13480"
                }
              }
            }""";

    static final String V1_X_PAYMENT_RESPONSE_SUCCESS =
            "eyJzdWNjZXNzIjp0cnVlLCJ0cmFuc2FjdGlvbiI6IjB4MTIzNDU2Nzg5MGFiY2RlZjEyMzQ1Njc4OTBhYmNkZWYxMjM0NTY3ODkw"
            + "YWJjZGVmMTIzNDU2Nzg5MGFiY2RlZiIsIm5ldHdvcmsiOiJiYXNlLXNlcG9saWEiLCJwYXllciI6IjB4ODU3YjA2NTE5RTkxZTNB"
            + "NTQ1Mzg3OTFiRGJiMEUyMjM3M2UzNmI2NiJ9";

    static final String V1_X_PAYMENT_RESPONSE_SUCCESS_JSON = """
            {
              "success": true,
              "transaction": "0x1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef",
              "network": "base-sepolia",
              "payer": "0x857b06519E91e3A54538791bDbb0E22373e36b66"
            }""";

    static final String V1_X_PAYMENT_RESPONSE_FAILURE =
            "eyJzdWNjZXNzIjpmYWxzZSwiZXJyb3JSZWFzb24iOiJpbnN1ZmZpY2llbnRfZnVuZHMiLCJ0cmFuc2FjdGlvbiI6IiIsIm5ldHdv"
            + "cmsiOiJiYXNlLXNlcG9saWEiLCJwYXllciI6IjB4ODU3YjA2NTE5RTkxZTNBNTQ1Mzg3OTFiRGJiMEUyMjM3M2UzNmI2NiJ9";

    static final String V1_X_PAYMENT_RESPONSE_FAILURE_JSON = """
            {
              "success": false,
              "errorReason": "insufficient_funds",
              "transaction": "",
              "network": "base-sepolia",
              "payer": "0x857b06519E91e3A54538791bDbb0E22373e36b66"
            }""";

    // --- EVM vector A (x402-protocol.md section 6.2): the spec's EIP-3009 authorization ---
    static final String A_SIGNATURE = "0x2d6a7588d6acca505cbf0d9a4a227e0c52c6c34008c8e8986a1283259764173608a2ce"
            + "6496642e377d6da8dbbf5836e9bd15092f9ecab05ded3d6293af148b571c";
    static final String A_FROM = "0x857b06519E91e3A54538791bDbb0E22373e36b66";
    static final String A_TO = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C";
    static final String A_VALUE = "10000";
    static final String A_VALID_AFTER = "1740672089";
    static final String A_VALID_BEFORE = "1740672154";
    static final String A_NONCE = "0xf3746613c2d920b5fdabc0856f2aeb2d4f88ee6037b8cc5d04a71a4462f13480";
    static final String A_ASSET = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
}
