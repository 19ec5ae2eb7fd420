package dev.mediaplane.infra;

import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;

/**
 * Every mediaplane component's base: a {@code ComponentResource} whose children (built with
 * {@link Common#child}, {@link Common#childBuilder} and {@link Common#component}) wait for what the
 * component itself was created to wait for. Pulumi does not hand a component's dependsOn to its
 * children; recording it here, in the one constructor every component runs, means none can forget.
 */
abstract class Component extends ComponentResource {

    Component(String type, String name, ComponentResourceOptions options) {
        super(type, name, options);
        Common.inherit(this, options);
    }
}
