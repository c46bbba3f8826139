package io.kmodd.testing;

import io.kmodd.kernel.Kernel;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import jakarta.enterprise.inject.Produces;

/** In @QuarkusTest the simulated kernel stands behind the kernel port; tests reach it through {@link #KERNEL}. */
@ApplicationScoped
public class SimulatedKernelProducer {
    public static final SimulatedKernel KERNEL = new SimulatedKernel();

    @Produces
    @Alternative
    @Priority(1)
    @ApplicationScoped
    Kernel kernel() {
        return KERNEL;
    }
}
