package io.sippar.scheme;

import io.sippar.x402.SupportedKind;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Every payment scheme this deployment runs, found by scheme name and CAIP-2 network. */
@ApplicationScoped
public class SchemeRegistry {

    private final List<PaymentScheme> schemes;

    @Inject
    public SchemeRegistry(@Any Instance<PaymentScheme> found) {
        this(found.stream().toList());
    }

    public SchemeRegistry(List<PaymentScheme> schemes) {
        this.schemes = List.copyOf(schemes);
    }

    /** The scheme that can verify and settle {@code scheme} on {@code network}, if this deployment has one. */
    public Optional<PaymentScheme> find(String scheme, String network) {
        for (PaymentScheme s : schemes) {
            if (s.scheme().equals(scheme) && s.supports(network)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /** Whether any scheme of this name runs here (to tell unsupported_scheme from unsupported_network). */
    public boolean knowsScheme(String scheme) {
        // a scheme bean with no configured network runs nowhere: the scheme is unsupported here
        return schemes.stream().anyMatch(s -> s.scheme().equals(scheme) && !s.kinds().isEmpty());
    }

    /** All kinds for GET /supported. */
    public List<SupportedKind> kinds() {
        List<SupportedKind> kinds = new ArrayList<>();
        schemes.forEach(s -> kinds.addAll(s.kinds()));
        return kinds;
    }

    /** Signer addresses by CAIP family for GET /supported. */
    public Map<String, List<String>> signers() {
        Map<String, List<String>> signers = new LinkedHashMap<>();
        schemes.forEach(s -> s.signers().forEach((family, addrs) ->
                signers.computeIfAbsent(family, k -> new ArrayList<>()).addAll(addrs)));
        return signers;
    }
}
