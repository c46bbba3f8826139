package io.kmodd.api;

import io.kmodd.text.Untrusted;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Response;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Refuses requests whose meaning would otherwise silently change. A ';' in the path would be read as a
 * matrix parameter and dropped, so {@code /modules/xfs;junk/load} would load xfs; and an unknown query
 * parameter would be ignored, so {@code ?timout=10s} would quietly use the default timeout. Both are
 * 400s. The known query parameters are read off the matched method's {@code @QueryParam}s and query records.
 */
public class RequestHygiene {

    @ServerRequestFilter(preMatching = true)
    public Response noMatrixParameters(HttpServerRequest request) {
        // The raw request line: JAX-RS's own view of the URI has the matrix part already split off.
        String uri = request.uri();
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        if (path.indexOf(';') >= 0 || path.toLowerCase(java.util.Locale.ROOT).contains("%3b")) {
            return ProblemMappers.respond(Problem.of("invalid-path", "Invalid path", 400,
                    "the path has ';', which kmodd does not accept (module names have letters, digits, '_' and '-')"));
        }
        return null;
    }

    @ServerRequestFilter
    public Response onlyKnownQueryParameters(ContainerRequestContext request, ResourceInfo resource) {
        Method m = resource.getResourceMethod();
        if (m == null) {
            return null;
        }
        Set<String> known = KNOWN.computeIfAbsent(m, RequestHygiene::queryParameters);
        for (String name : request.getUriInfo().getQueryParameters().keySet()) {
            if (!known.contains(name)) {
                return ProblemMappers.respond(Problem.of("unknown-query-parameter", "Unknown query parameter", 400,
                        "unknown query parameter '" + Untrusted.printable(name, 40) + "'"
                                + (known.isEmpty() ? "; this endpoint takes none" : "; this endpoint takes " + known)));
            }
        }
        return null;
    }

    private static final Map<Method, Set<String>> KNOWN = new ConcurrentHashMap<>();

    /**
     * The query parameters a resource method takes: its own {@code @QueryParam}s and those of its
     * {@code @BeanParam} query records, wherever JAX-RS finds them (the method, or the interface it implements).
     */
    static Set<String> queryParameters(Method m) {
        SortedSet<String> known = new TreeSet<>();
        for (Method declared : declarations(m)) {
            for (Parameter p : declared.getParameters()) {
                QueryParam q = p.getAnnotation(QueryParam.class);
                if (q != null) {
                    known.add(q.value());
                }
                if (p.isAnnotationPresent(BeanParam.class)) {
                    for (Field f : p.getType().getDeclaredFields()) {
                        QueryParam fq = f.getAnnotation(QueryParam.class);
                        if (fq != null) {
                            known.add(fq.value());
                        }
                    }
                }
            }
        }
        return Collections.unmodifiableSortedSet(known);
    }

    private static List<Method> declarations(Method m) {
        List<Method> found = new ArrayList<>(List.of(m));
        for (Class<?> api : m.getDeclaringClass().getInterfaces()) {
            try {
                found.add(api.getMethod(m.getName(), m.getParameterTypes()));
            } catch (NoSuchMethodException notThere) {
                // The interface does not declare it: only the class's own annotations count.
            }
        }
        return found;
    }
}
