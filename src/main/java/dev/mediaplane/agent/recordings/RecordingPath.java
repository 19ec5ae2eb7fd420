package dev.mediaplane.agent.recordings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * The path contract: {@code <recordings>/{organization_id}/{call_sid}/{recording_id}.wav}, ids in
 * {@code [A-Za-z0-9._-]+} and not {@code .} or {@code ..}, no symbolic link on the way, resolving to a
 * regular file inside the recordings directory. Paths are checked, never cleaned: anything else is
 * rejected with a reason (and the file left alone).
 *
 * @param file the path as given (absolute)
 * @param organizationId the {org} segment
 * @param callSid the {call} segment
 * @param recordingId the file name without {@code .wav}
 */
public record RecordingPath(Path file, String organizationId, String callSid, String recordingId) {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]+");

    /** Rejected: the reason is logged as {@code recording_rejected}. */
    public static final class Rejected extends Exception {
        public final boolean vanished;

        Rejected(String reason, boolean vanished) {
            super(reason);
            this.vanished = vanished;
        }
    }

    /** {@code org/{org}/recordings/{call}/{rec}.wav} */
    public String object() {
        return "org/" + organizationId + "/recordings/" + callSid + "/" + recordingId + ".wav";
    }

    /** {@code org/{org}/recordings/{call}/{rec}.manifest.json} */
    public String manifestObject() {
        return "org/" + organizationId + "/recordings/" + callSid + "/" + recordingId + ".manifest.json";
    }

    /** The outbox entry's path relative to the outbox root: {@code {org}/{call}/{rec}.manifest.json}. */
    public Path outboxRelative() {
        return Path.of(organizationId, callSid, recordingId + ".manifest.json");
    }

    /**
     * Checks {@code file} against the contract under {@code root} (absolute, normalised; {@code rootReal}
     * its real path).
     */
    public static RecordingPath check(Path root, Path rootReal, Path file) throws Rejected {
        if (!file.isAbsolute()) {
            throw new Rejected("not an absolute path", false);
        }
        // No normalisation before the check: a path with ".." segments is rejected, not resolved.
        if (!file.startsWith(root) || file.getNameCount() != root.getNameCount() + 3) {
            if (file.startsWith(root)) {
                throw new Rejected("path must be {organization_id}/{call_sid}/{recording_id}.wav with ids in [A-Za-z0-9._-]", false);
            }
            throw new Rejected("outside " + root, false);
        }
        String org = file.getName(root.getNameCount()).toString();
        String call = file.getName(root.getNameCount() + 1).toString();
        String name = file.getName(root.getNameCount() + 2).toString();
        if (!name.endsWith(".wav")) {
            throw new Rejected("path must be {organization_id}/{call_sid}/{recording_id}.wav with ids in [A-Za-z0-9._-]", false);
        }
        String rec = name.substring(0, name.length() - 4);
        for (String id : new String[] {org, call, rec}) {
            if (!ID.matcher(id).matches()) {
                throw new Rejected("path must be {organization_id}/{call_sid}/{recording_id}.wav with ids in [A-Za-z0-9._-]", false);
            }
            if (id.equals(".") || id.equals("..")) {
                throw new Rejected("id '" + id + "' is not allowed", false);
            }
        }
        // Symlinks could make the agent read (and then delete) something outside the directory.
        Path orgDir = root.resolve(org);
        Path callDir = orgDir.resolve(call);
        if (Files.isSymbolicLink(file) || Files.isSymbolicLink(orgDir) || Files.isSymbolicLink(callDir)) {
            throw new Rejected("symbolic link", false);
        }
        Path real;
        try {
            real = file.toRealPath();
        } catch (IOException e) {
            throw new Rejected("vanished", true);
        }
        if (!real.equals(rootReal.resolve(org).resolve(call).resolve(name)) || !Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
            throw new Rejected("resolves outside the recordings directory or is not a regular file", false);
        }
        return new RecordingPath(file, org, call, rec);
    }
}
