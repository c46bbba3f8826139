package io.kmodd.api;

import io.kmodd.jobs.RefusedException;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.kmodd.kernel.InvalidModuleNameException;
import io.kmodd.kernel.InvalidParameterException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Every error leaves as application/problem+json; nothing answers a bare 500 or a stack trace. */
public class ProblemMappers {
    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    static Response respond(Problem p) {
        return Response.status(p.status()).type(Problem.MEDIA_TYPE).entity(p).build();
    }

    @ServerExceptionMapper
    public Response problem(ProblemException e) {
        return respond(e.problem());
    }

    @ServerExceptionMapper
    public Response refused(RefusedException e) {
        Problem p = Problems.refusal(e.refusal(), e.getMessage());
        if (e instanceof io.kmodd.jobs.ParameterConflictException c) {
            p = p.withParameters(c.conflict());
        }
        Response.ResponseBuilder r = Response.status(p.status()).type(Problem.MEDIA_TYPE).entity(p);
        Problems.retryAfter(e.refusal()).ifPresent(seconds -> r.header("Retry-After", seconds));
        return r.build();
    }

    @ServerExceptionMapper({UnauthorizedException.class, AuthenticationFailedException.class})
    public Response unauthorized(RuntimeException e) {
        Problem p = Problem.of("unauthorized", "Authentication required", 401,
                "send a valid token as 'Authorization: Bearer TOKEN' (tokens are in kmodd's token file)");
        return Response.status(401).type(Problem.MEDIA_TYPE).header("WWW-Authenticate", "Bearer realm=\"kmodd\"")
                .entity(p).build();
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return respond(Problem.of("forbidden", "Your role does not allow this", 403,
                "this needs a higher role: viewer reads, operator loads, unloads and cancels, admin forces"));
    }

    @ServerExceptionMapper
    public Response badName(InvalidModuleNameException e) {
        return respond(Problem.of("invalid-module-name", "Invalid module name", 400, e.getMessage()));
    }

    @ServerExceptionMapper
    public Response badParameter(InvalidParameterException e) {
        Problem p = Problem.of("invalid-parameter", "Invalid module parameter", 400, e.getMessage());
        return respond(e.parameter() == null ? p : p.withParameter(e.parameter()));
    }

    @ServerExceptionMapper
    public Response badInput(IllegalArgumentException e) {
        return respond(Problem.of("invalid-input", "Invalid input", 400, e.getMessage()));
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        String title = Response.Status.fromStatusCode(status) == null ? "Error"
                : Response.Status.fromStatusCode(status).getReasonPhrase();
        String detail = switch (status) {
            case 404 -> "no such resource; see /q/openapi for the API";
            case 405 -> "this method is not allowed on this resource";
            case 406 -> "the Accept header asks for a type this resource does not produce";
            case 415 -> "send the body as application/json";
            default -> e.getMessage();
        };
        return respond(Problem.of("http-" + status, title, status, detail));
    }

    /**
     * A body the client did not finish or that passed the size limit while streaming (chunked): the HTTP
     * layer has answered 413 already, so nothing more is written and nothing is logged above DEBUG: a
     * client's mistake is not kmodd's error.
     */
    @ServerExceptionMapper
    public Response unreadableBody(java.io.IOException e, org.jboss.resteasy.reactive.server.spi.ServerRequestContext ctx) {
        if (ctx.serverResponse().headWritten()) {
            LOG.debugf("request body refused: %s", e.getMessage());
            return Response.status(413).build();
        }
        LOG.debugf("request body unreadable: %s", e.getMessage());
        return respond(Problem.of("invalid-body", "Invalid request body", 400,
                "the request body could not be read: " + e.getMessage()));
    }

    /**
     * A drop-in that could not be written: 507 when its filesystem is full (the files are as they were: every
     * write goes through a temporary file and a rename), 500 otherwise.
     */
    @ServerExceptionMapper
    public Response storage(java.io.UncheckedIOException e) {
        String why = String.valueOf(e.getMessage());
        boolean full = why.contains("No space left on device") || why.contains("Disk quota exceeded");
        return respond(Problem.of("storage-error", "A file kmodd keeps could not be read or written", full ? 507 : 500,
                why + (full ? "; the drop-ins are unchanged" : "")));
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        LOG.error("unexpected error answering a request", e);
        return respond(Problem.of("internal-error", "Internal error", 500,
                "kmodd failed to answer this request (" + e.getClass().getSimpleName() + "); the log has the details"));
    }
}
