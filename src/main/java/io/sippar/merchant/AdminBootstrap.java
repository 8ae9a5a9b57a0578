package io.sippar.merchant;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Optional;
import org.jboss.logging.Logger;

/** Stores the hash of the configured operator key at start, so the admin API can be reached at all. */
@ApplicationScoped
public class AdminBootstrap {

    private static final Logger LOG = Logger.getLogger(AdminBootstrap.class);

    private final AdminConfig config;
    private final ApiKeys keys;

    public AdminBootstrap(AdminConfig config, ApiKeys keys) {
        this.config = config;
        this.keys = keys;
    }

    void onStart(@Observes StartupEvent event) {
        Optional<String> key = configuredKey();
        if (key.isEmpty()) {
            LOG.info("no operator API key configured (sippar.admin.api-key / api-key-file): the admin API is unreachable");
            return;
        }
        if (!ApiKeys.wellFormed(key.get())) {
            // never echo the value: it is a secret even when malformed
            throw new IllegalStateException("the configured operator API key is not of the form sk_ + 24..128 of [A-Za-z0-9_-]");
        }
        keys.registerAdmin(key.get(), "configured").await().atMost(Duration.ofSeconds(30));
        LOG.infof("operator API key %s... registered", ApiKeys.prefix(key.get()));
    }

    private Optional<String> configuredKey() {
        if (config.apiKey().isPresent()) {
            return config.apiKey().map(String::trim);
        }
        return config.apiKeyFile().map(path -> {
            try {
                return Files.readString(path, StandardCharsets.UTF_8).trim();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the operator API key file " + path, e);
            }
        });
    }
}
