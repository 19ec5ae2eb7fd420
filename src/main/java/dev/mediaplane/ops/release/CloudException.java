package dev.mediaplane.ops.release;

/** A Google API could not be reached or refused the call; the message names the call and the answer. */
public final class CloudException extends RuntimeException {
    public CloudException(String message, Throwable cause) {
        super(message, cause);
    }

    public CloudException(String message) {
        super(message);
    }
}
