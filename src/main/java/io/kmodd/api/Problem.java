package io.kmodd.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.kmodd.params.ParameterConflict;
import io.kmodd.security.Audited;
import java.util.Map;

/**
 * An RFC 9457 problem: what went wrong, for a person and for a program. {@code errno} is the kernel's
 * answer by name when the kernel was the reason; {@code job} is the job's id when there is one;
 * {@code parameters} holds the requested and the live values when parameters would not be applied.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String instance, String errno,
        String module, String job, String parameter, ParameterConflict parameters) implements Audited {

    public static final String MEDIA_TYPE = "application/problem+json";

    static Problem of(String slug, String title, int status, String detail) {
        return new Problem("urn:kmodd:problem:" + slug, title, status, detail, null, null, null, null, null, null);
    }

    @Override
    public void describe(Map<String, Object> record) {
        record.put("outcome", "refused: " + type.replace("urn:kmodd:problem:", ""));
        record.put("detail", detail);
        if (module != null) {
            record.put("module", module);
        }
        if (job != null) {
            record.put("job", job);
        }
        if (errno != null) {
            record.put("errno", errno);
        }
    }

    Problem withErrno(String e) {
        return new Problem(type, title, status, detail, instance, e, module, job, parameter, parameters);
    }

    Problem withModule(String m) {
        return new Problem(type, title, status, detail, instance, errno, m, job, parameter, parameters);
    }

    Problem withJob(String j) {
        return new Problem(type, title, status, detail, instance, errno, module, j, parameter, parameters);
    }

    Problem withParameter(String p) {
        return new Problem(type, title, status, detail, instance, errno, module, job, p, parameters);
    }

    Problem withInstance(String i) {
        return new Problem(type, title, status, detail, i, errno, module, job, parameter, parameters);
    }

    Problem withParameters(ParameterConflict c) {
        return new Problem(type, title, status, detail, instance, errno, module, job, parameter, c);
    }
}
