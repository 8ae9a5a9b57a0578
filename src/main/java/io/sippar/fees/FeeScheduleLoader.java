package io.sippar.fees;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The package's only I/O: reads a schedule file from disk or the bundled default from the classpath.
 *
 * <p>Kept apart from {@link FeeScheduleJson} so the parser and calculator stay pure; a CDI producer
 * elsewhere can call {@link #load(Path)} with a configured path or fall back to {@link #loadDefault()}.
 */
public final class FeeScheduleLoader {

    /** Classpath location of the default schedule built from the business documents. */
    public static final String DEFAULT_RESOURCE = "fees/default-schedule.json";

    private FeeScheduleLoader() {
    }

    /** The bundled default schedule. */
    public static FeeSchedules loadDefault() {
        ClassLoader cl = FeeScheduleLoader.class.getClassLoader();
        try (InputStream in = cl.getResourceAsStream(DEFAULT_RESOURCE)) {
            if (in == null) {
                throw new InvalidFeeScheduleException("classpath:" + DEFAULT_RESOURCE + ": not found");
            }
            return FeeScheduleJson.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8),
                    "classpath:" + DEFAULT_RESOURCE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read classpath:" + DEFAULT_RESOURCE, e);
        }
    }

    /** A schedule file on disk (an operator's replacement for the default). */
    public static FeeSchedules load(Path file) {
        try {
            return FeeScheduleJson.parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read fee schedule " + file, e);
        }
    }
}
