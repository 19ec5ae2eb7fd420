package dev.mediaplane.agent.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BufferBudgetTest {

    @Test
    void underTheBudgetNobodyDrops() {
        BufferBudget b = new BufferBudget(1000);
        b.join();
        b.join();
        b.add(990);
        assertFalse(b.over(990), "the node holds less than its budget");
    }

    @Test
    void overTheBudgetOnlyASessionAboveItsShareDrops() {
        BufferBudget b = new BufferBudget(1000);
        b.join();
        b.join();
        b.add(900); // an old call's backlog
        b.add(200); // a new call's
        assertTrue(b.over(900), "above its share of 500");
        assertFalse(b.over(200), "a session under its share is not starved by an older one");
        b.add(-400); // the old one dropped down to its share
        assertFalse(b.over(500));
    }

    @Test
    void leavingGivesBackWhatTheSessionHeldAndWidensTheShares() {
        BufferBudget b = new BufferBudget(1000);
        b.join();
        b.join();
        b.add(600);
        b.add(600);
        assertTrue(b.over(600));
        b.leave(600);
        assertEquals(600, b.used());
        assertFalse(b.over(600), "alone, the remaining session may hold the whole budget");
    }

    @Test
    void aBudgetMustBePositive() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new BufferBudget(0));
        assertEquals("bridge buffer budget must be positive bytes, got 0", e.getMessage());
    }
}
