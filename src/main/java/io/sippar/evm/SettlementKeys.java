package io.sippar.evm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;

/**
 * Every settlement key configured for one network, from all four places (settlement-key,
 * settlement-key-file, settlement-keys, settlement-key-dir), in that order and without duplicates.
 * Error messages name where a bad key came from, never its content.
 */
final class SettlementKeys {

    private static final Pattern HEX_KEY = Pattern.compile("^(0x)?[0-9a-fA-F]{64}$");

    private SettlementKeys() {
    }

    /** The network's keys, first configured first; empty when it has none (verify only). */
    static List<Credentials> load(String alias, EvmConfig.NetworkConfig n) {
        String prefix = "sippar.evm.networks." + alias + ".";
        Map<String, Credentials> byAddress = new LinkedHashMap<>();
        n.settlementKey().ifPresent(k -> add(byAddress, k, prefix + "settlement-key"));
        n.settlementKeyFile().ifPresent(f -> add(byAddress, read(f, prefix + "settlement-key-file"),
                prefix + "settlement-key-file " + f));
        n.settlementKeys().ifPresent(keys -> {
            for (int i = 0; i < keys.size(); i++) {
                add(byAddress, keys.get(i), prefix + "settlement-keys[" + i + "]");
            }
        });
        n.settlementKeyDir().ifPresent(dir -> {
            List<Path> files = keyFiles(dir, prefix + "settlement-key-dir");
            if (files.isEmpty()) {
                throw new IllegalStateException(prefix + "settlement-key-dir " + dir + " holds no key file");
            }
            files.forEach(f -> add(byAddress, read(f, prefix + "settlement-key-dir"), prefix + "settlement-key-dir " + f));
        });
        return List.copyOf(byAddress.values());
    }

    private static void add(Map<String, Credentials> byAddress, String key, String source) {
        String k = key == null ? "" : key.trim();
        if (!HEX_KEY.matcher(k).matches()) {
            throw new IllegalStateException(source + " is not a 32-byte hex private key");
        }
        Credentials c = Credentials.create(k);
        byAddress.putIfAbsent(Keys.toChecksumAddress(c.getAddress()), c);
    }

    private static List<Path> keyFiles(Path dir, String source) {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                // a mounted Secret also holds ..data and ..<timestamp> entries; regular files follow symlinks
                if (!p.getFileName().toString().startsWith(".") && Files.isRegularFile(p)) {
                    files.add(p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(source + " unreadable: " + dir, e);
        }
        files.sort(java.util.Comparator.comparing(p -> p.getFileName().toString()));
        return files;
    }

    private static String read(Path file, String source) {
        try {
            return Files.readString(file).trim();
        } catch (IOException e) {
            // the path is not secret; the content never appears in messages
            throw new UncheckedIOException(source + " unreadable: " + file, e);
        }
    }
}
