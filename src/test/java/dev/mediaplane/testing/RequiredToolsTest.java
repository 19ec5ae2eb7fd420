package dev.mediaplane.testing;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

class RequiredToolsTest {

    @Test
    void aMissingToolIsNamedWithItsPackageAndFailsInCiInsteadOfSkipping() {
        Throwable t = assertThrows(Throwable.class, () -> RequiredTools.require("bash", "inotifywait-not-here", "mp-no-such-tool"));
        assertTrue(t.getMessage().contains("inotifywait-not-here (apt-get install -y inotifywait-not-here), "
                + "mp-no-such-tool (apt-get install -y mp-no-such-tool)"), t.getMessage());
        assertTrue(!t.getMessage().contains("bash"), "present tools are not listed: " + t.getMessage());
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            assertInstanceOf(AssertionError.class, t);
        } else {
            assertInstanceOf(TestAbortedException.class, t);
        }
    }
}
