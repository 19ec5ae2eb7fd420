package dev.mediaplane.cli;

import picocli.CommandLine;

/**
 * For smoke, whose esl-login check is the controllers' login: --esl-user and --esl-secret default to the
 * controller user (picocli asks this provider before the annotations' operator defaults).
 */
final class ControllerLoginDefaults implements CommandLine.IDefaultValueProvider {
    @Override
    public String defaultValue(CommandLine.Model.ArgSpec arg) {
        if (arg instanceof CommandLine.Model.OptionSpec o) {
            return switch (o.longestName()) {
                case "--esl-user" -> "controller@mediaplane";
                case "--esl-secret" -> dev.mediaplane.config.NodeSecret.ESL_PASSWORD.secretSuffix();
                default -> null;
            };
        }
        return null;
    }
}
