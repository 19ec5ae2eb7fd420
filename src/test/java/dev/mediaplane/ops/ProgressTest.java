package dev.mediaplane.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** The one progress display of the day-2 commands (drain, rollout, canary status, rotate, smoke). */
class ProgressTest {

    @Test
    void aTerminalGetsOneLineRewrittenInPlace() {
        StringWriter w = new StringWriter();
        Progress p = new Progress(new PrintWriter(w), true, 10);
        p.update("3 channels up");
        p.update("2 up");
        p.done();
        assertEquals("\r3 channels up\r2 up         \n", w.toString());
    }

    @Test
    void otherwiseALinePerChangeAndAnUnchangedStateEveryNthUpdate() {
        StringWriter w = new StringWriter();
        Progress p = new Progress(new PrintWriter(w), false, 3);
        for (String s : new String[] {"3", "3", "3", "3", "2", "2"}) {
            p.update(s);
        }
        assertEquals("3\n3\n2\n", w.toString().replace(System.lineSeparator(), "\n"));
    }

    @Test
    void progressRedrawsOneLineOnATerminalAndPrintsLinesOtherwise() {
        StringWriter tty = new StringWriter();
        var p = new Progress(new PrintWriter(tty), true);
        p.update("node-a: STAGING (poll 1/6)");
        p.update("node-a: ok");
        p.done();
        assertEquals("\rnode-a: STAGING (poll 1/6)\rnode-a: ok                \n", tty.toString());
        StringWriter plain = new StringWriter();
        var q = new Progress(new PrintWriter(plain), false);
        q.update("one");
        q.update("two");
        q.done();
        assertEquals("one" + System.lineSeparator() + "two" + System.lineSeparator(), plain.toString());
    }

    @Test
    void aStepIsALineOfItsOwnAfterTheRedrawnState() {
        StringWriter tty = new StringWriter();
        Progress p = new Progress(new PrintWriter(tty), true);
        p.update("2 up");
        p.step("drained");
        assertEquals("\r2 up\ndrained\n", tty.toString().replace(System.lineSeparator(), "\n"));
    }
}
