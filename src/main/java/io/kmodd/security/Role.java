package io.kmodd.security;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/** kmodd's roles. Each includes the ones below it: admin can do all an operator can, an operator all a viewer can. */
public enum Role {
    /** Reads, job events, metrics. */
    VIEWER,
    /** Load, unload, cancel. */
    OPERATOR,
    /** Forced removal, loading a blacklisted module. */
    ADMIN;

    public static final String VIEWER_NAME = "viewer";
    public static final String OPERATOR_NAME = "operator";
    public static final String ADMIN_NAME = "admin";

    public String roleName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The role names this role holds, its own and those below it. */
    public Set<String> grants() {
        return switch (this) {
            case VIEWER -> Set.of(VIEWER_NAME);
            case OPERATOR -> Set.of(VIEWER_NAME, OPERATOR_NAME);
            case ADMIN -> Set.of(VIEWER_NAME, OPERATOR_NAME, ADMIN_NAME);
        };
    }

    public static Optional<Role> parse(String s) {
        for (Role r : values()) {
            if (r.roleName().equals(s)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }
}
