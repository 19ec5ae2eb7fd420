package dev.mediaplane.agent.secrets;

import dev.mediaplane.render.NodeContract;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.Arrays;
import java.util.Optional;

/**
 * Replaces a node file as boot's {@code install_file} does, but crash-safe: a temporary file in the same directory
 * (created 0600, so the value is never readable by others in between), written and fsync'd, given the contract's
 * mode and then its owner, renamed over the old one, and the directory fsync'd. A reader sees the old file or the
 * new one, never part of one; a failure at any step leaves the old file and removes the temporary one.
 */
public final class AtomicFiles {

    /** Who owns what: the contract's owner as user and group names (tests map them to accounts that exist). */
    @FunctionalInterface
    public interface Owners {
        String[] userAndGroup(NodeContract.Owner owner);

        /** The node's: root, freeswitch and the agent's user, as boot uses them. */
        static Owners node(String agentUser) {
            return o -> new String[] {o.user(agentUser), o.group(agentUser)};
        }
    }

    /** A hook between writing and renaming (tests: a crash there). */
    @FunctionalInterface
    interface BeforeRename {
        void run(Path temp) throws IOException;
    }

    private final Owners owners;
    private final BeforeRename beforeRename;

    public AtomicFiles(Owners owners) {
        this(owners, t -> { });
    }

    AtomicFiles(Owners owners, BeforeRename beforeRename) {
        this.owners = owners;
        this.beforeRename = beforeRename;
    }

    /** The file's bytes, or empty when it does not exist. */
    public static Optional<byte[]> read(Path file) throws IOException {
        try {
            return Optional.of(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** True when {@code file} already holds exactly {@code bytes}. */
    public static boolean holds(Path file, byte[] bytes) throws IOException {
        Optional<byte[]> now = read(file);
        return now.isPresent() && Arrays.equals(now.get(), bytes);
    }

    /** Writes {@code bytes} to {@code file} with {@code access}; see the class comment. */
    public void write(Path file, byte[] bytes, NodeContract.Access access) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        boolean done = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer b = ByteBuffer.wrap(bytes);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            // Mode first (the agent still owns the file), then the owner (CAP_CHOWN); chown clears no bit of 0640.
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString(rwx(access.mode())));
            String[] ug = owners.userAndGroup(access.owner());
            UserPrincipalLookupService lookup = tmp.getFileSystem().getUserPrincipalLookupService();
            PosixFileAttributeView view = Files.getFileAttributeView(tmp, PosixFileAttributeView.class);
            view.setOwner(lookup.lookupPrincipalByName(ug[0]));
            view.setGroup(lookup.lookupPrincipalByGroupName(ug[1]));
            beforeRename.run(tmp);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot rename " + tmp + " over " + file + " atomically", e);
            }
            done = true;
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true); // the rename itself survives a power cut
            }
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** Removes {@code file} (an optional secret without a version), as boot does on a 404. */
    public void remove(Path file) throws IOException {
        Files.deleteIfExists(file);
    }

    static String rwx(String octal) {
        String m = octal.substring(octal.length() - 3);
        StringBuilder b = new StringBuilder();
        for (char c : m.toCharArray()) {
            int d = c - '0';
            b.append((d & 4) != 0 ? 'r' : '-').append((d & 2) != 0 ? 'w' : '-').append((d & 1) != 0 ? 'x' : '-');
        }
        return b.toString();
    }
}
