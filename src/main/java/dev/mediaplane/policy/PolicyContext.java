package dev.mediaplane.policy;

import dev.mediaplane.config.Cidr;
import dev.mediaplane.config.StackConfig;
import java.util.List;

/**
 * What a policy may know beyond the plan: the stack's validated config (controller CIDRs, the
 * ESL port), so rules like "ESL only from the controllers" check against the stack's own values.
 */
public record PolicyContext(StackConfig config) {

    public int eslPort() {
        return config.controller().eslPort();
    }

    public List<Cidr> controllerCidrs() {
        return config.controller().cidrs().stream().map(Cidr::parse).toList();
    }
}
