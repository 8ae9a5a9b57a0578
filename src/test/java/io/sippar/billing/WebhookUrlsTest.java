package io.sippar.billing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** Which endpoints webhooks may reach, by URL and by resolved address. */
class WebhookUrlsTest {

    private static final WebhookUrls.Policy STRICT = new WebhookUrls.Policy(false, false);
    private static final WebhookUrls.Policy LOOPBACK = new WebhookUrls.Policy(true, false);
    private static final WebhookUrls.Policy PRIVATE = new WebhookUrls.Policy(false, true);

    private static String refused(String url, WebhookUrls.Policy p) {
        return assertThrows(IllegalArgumentException.class, () -> WebhookUrls.validate(url, p)).getMessage();
    }

    @Test
    void publicHttpsEndpointsAreAccepted() {
        assertEquals("https://hooks.example.com:8443/a?b=c",
                WebhookUrls.validate("https://hooks.example.com:8443/a?b=c", STRICT).toString());
        assertEquals("https://93.184.216.34/x", WebhookUrls.validate("https://93.184.216.34/x", STRICT).toString());
    }

    @Test
    void loopbackAndPlainHttpOnlyWhenTheOperatorAllowsLoopback() {
        assertEquals("url must use https (http is accepted only for loopback endpoints when "
                + "sippar.billing.webhooks.allow-loopback is on)", refused("http://127.0.0.1:9000/hook", STRICT));
        assertEquals("url must not point at a loopback address (127.0.0.1)", refused("https://127.0.0.1/hook", STRICT));
        assertEquals("url must not point at this host (localhost)", refused("https://localhost/hook", STRICT));
        assertEquals("http://127.0.0.1:9000/hook", WebhookUrls.validate("http://127.0.0.1:9000/hook", LOOPBACK).toString());
        assertEquals("http://[::1]:9000/hook", WebhookUrls.validate("http://[::1]:9000/hook", LOOPBACK).toString());
        // loopback permission does not open plain http to the world
        assertEquals("url must use https (http is accepted only for loopback endpoints when "
                + "sippar.billing.webhooks.allow-loopback is on)", refused("http://hooks.example.com/", LOOPBACK));
    }

    @Test
    void privateRangesAreRefusedUnlessAllowed() {
        assertEquals("url must not point at a private network address (192.168.1.20)",
                refused("https://192.168.1.20/", STRICT));
        assertEquals("url must not point at a private network address (172.16.0.1)", refused("https://172.16.0.1/", STRICT));
        assertEquals("url must not point at a private network address (100.64.3.4)", refused("https://100.64.3.4/", STRICT));
        assertEquals("url must not point at a link-local address (169.254.169.254)",
                refused("https://169.254.169.254/", STRICT));
        assertEquals("url must not point at a link-local address ([fe80::1])", refused("https://[fe80::1]/", STRICT));
        assertEquals("https://10.1.2.3/", WebhookUrls.validate("https://10.1.2.3/", PRIVATE).toString());
        assertEquals("url must not point at an unroutable address (224.0.0.1)", refused("https://224.0.0.1/", PRIVATE));
    }

    @Test
    void resolvedAddressesFollowTheSamePolicy() throws Exception {
        assertEquals("a loopback address", WebhookUrls.refusal(InetAddress.getByName("127.0.0.2"), STRICT));
        assertNull(WebhookUrls.refusal(InetAddress.getByName("127.0.0.2"), LOOPBACK));
        assertEquals("a private network address", WebhookUrls.refusal(InetAddress.getByName("10.9.8.7"), LOOPBACK));
        assertNull(WebhookUrls.refusal(InetAddress.getByName("8.8.8.8"), STRICT));
        assertEquals("a private network address", WebhookUrls.refusal(InetAddress.getByName("fd12::1"), STRICT));
    }

    @Test
    void malformedUrlsAreNamed() {
        assertEquals("url is not a valid URI: Illegal character in path", refused("https://h.example.com/a b", STRICT));
        assertEquals("url must name a host", refused("https:///x", STRICT));
        assertEquals("url must be an absolute https:// URL", refused("mailto:a@b.c", STRICT));
        assertEquals("url is required", refused(null, STRICT));
    }
}
