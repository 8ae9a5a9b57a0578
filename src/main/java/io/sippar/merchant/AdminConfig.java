package io.sippar.merchant;

import io.smallrye.config.ConfigMapping;
import java.nio.file.Path;
import java.util.Optional;

/** The operator's bootstrap API key; further keys are issued through the admin API. */
@ConfigMapping(prefix = "sippar.admin")
public interface AdminConfig {

    /** An operator API key (sk_ + 24..128 chars), a secret: set it by SIPPAR_ADMIN_API_KEY; only its hash is stored. */
    Optional<String> apiKey();

    /** A file holding the operator API key (a mounted Secret); used when api-key is not set. */
    Optional<Path> apiKeyFile();
}
