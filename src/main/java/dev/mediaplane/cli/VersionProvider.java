package dev.mediaplane.cli;

import picocli.CommandLine.IVersionProvider;

/** The jar's Implementation-Version, or {@code dev} when run from classes. */
public final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = VersionProvider.class.getPackage().getImplementationVersion();
        return new String[] {"mediaplane " + (v == null ? "dev" : v)};
    }
}
