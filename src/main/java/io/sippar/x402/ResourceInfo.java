package io.sippar.x402;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/** The protected resource a v2 challenge or payload refers to ({@code url}, optional description and MIME type). */
@JsonPropertyOrder({"url", "description", "mimeType"})
public record ResourceInfo(String url, String description, String mimeType) {

    /** Resource with the empty description and MIME type the TS server defaults to. */
    public static ResourceInfo of(String url) {
        return new ResourceInfo(url, "", "");
    }
}
