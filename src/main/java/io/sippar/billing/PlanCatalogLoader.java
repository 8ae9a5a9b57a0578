package io.sippar.billing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads the plan catalog from an operator's file or the bundled default. */
public final class PlanCatalogLoader {

    /** Classpath location of the default catalog built from the business documents. */
    public static final String DEFAULT_RESOURCE = "billing/plans.json";

    private PlanCatalogLoader() {
    }

    /** The bundled catalog. */
    public static PlanCatalog loadDefault() {
        try (InputStream in = PlanCatalogLoader.class.getClassLoader().getResourceAsStream(DEFAULT_RESOURCE)) {
            if (in == null) {
                throw new InvalidPlanCatalogException("classpath:" + DEFAULT_RESOURCE + ": not found");
            }
            return PlanCatalogJson.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8),
                    "classpath:" + DEFAULT_RESOURCE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read classpath:" + DEFAULT_RESOURCE, e);
        }
    }

    /** A plan file on disk. */
    public static PlanCatalog load(Path file) {
        try {
            return PlanCatalogJson.parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        } catch (NoSuchFileException e) {
            throw new InvalidPlanCatalogException(file + ": no such file (sippar.billing.plan-file)", e);
        } catch (IOException e) {
            throw new InvalidPlanCatalogException(file + ": cannot be read: " + e.getMessage(), e);
        }
    }
}
