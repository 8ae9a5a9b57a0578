package io.sippar.testsupport;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.List;

/** The gateway with the fault chain and the faulty upstream of {@link FaultChainResource}. */
public class FaultProfile implements QuarkusTestProfile {

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(FaultChainResource.class));
    }
}
