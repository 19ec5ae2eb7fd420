package dev.mediaplane.ops.release;

/** A release move that is unsafe in the stack's current state; the message says why and what to do instead. */
public final class RefusedException extends RuntimeException {
    public RefusedException(String message) {
        super(message);
    }
}
