package io.kmodd.health;

import io.kmodd.journal.JobJournal;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Down while the job journal cannot be read or written, saying why: kmodd still works, but jobs would not
 * survive a restart, which an operator must hear of from the readiness probe rather than from a lost job.
 */
@Readiness
@ApplicationScoped
public class JournalReadiness implements HealthCheck {
    private final JobJournal journal;

    public JournalReadiness(JobJournal journal) {
        this.journal = journal;
    }

    @Override
    public HealthCheckResponse call() {
        if (!journal.enabled()) {
            return HealthCheckResponse.named("journal").up().withData("journal", "none").build();
        }
        return journal.problem()
                .map(p -> HealthCheckResponse.named("journal").down().withData("problem", p).build())
                .orElseGet(() -> HealthCheckResponse.named("journal").up()
                        .withData("file", journal.file().toString()).build());
    }
}
