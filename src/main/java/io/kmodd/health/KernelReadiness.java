package io.kmodd.health;

import io.kmodd.kernel.Kernel;
import io.kmodd.kernel.KernelSupport;
import io.kmodd.security.Tokens;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/** Ready when kmodd can change modules and has tokens; otherwise down, saying why (no module support, no capability, no token file, ...). */
@Readiness
@ApplicationScoped
public class KernelReadiness implements HealthCheck {
    private final Kernel kernel;
    private final Tokens tokens;

    public KernelReadiness(Kernel kernel, Tokens tokens) {
        this.kernel = kernel;
        this.tokens = tokens;
    }

    @Override
    public HealthCheckResponse call() {
        KernelSupport s = kernel.support();
        String tokenProblem = tokens.problem();
        HealthCheckResponseBuilder b = HealthCheckResponse.named("kernel")
                .status(s.canWrite() && tokenProblem == null)
                .withData("moduleSupport", s.modular())
                .withData("capSysModule", s.capSysModule())
                .withData("modulesDisabled", s.modulesDisabled())
                .withData("libkmod", s.resolverAvailable())
                .withData("lockdown", s.lockdown().isEmpty() ? "unknown" : s.lockdown())
                .withData("signaturesEnforced", s.signaturesEnforced());
        for (int i = 0; i < s.problems().size(); i++) {
            b.withData("problem" + (i + 1), s.problems().get(i));
        }
        if (tokenProblem != null) {
            b.withData("tokens", tokenProblem);
        }
        return b.build();
    }
}
