using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.Options;
using Npgsql;
using Smackdab.Inventory.Api.Hosting;
using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Api.Errors;

/// <summary>Maps every exception to a status and an envelope. Controllers contain no try/catch.</summary>
public sealed class EnvelopeExceptionHandler(ErrorWriter writer, IOptions<DatabaseOptions> database, ILogger<EnvelopeExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var context = httpContext;
        switch (exception)
        {
            case Domain.Features.Integrations.Connectors.CircuitBreakerOpenException open:
                context.Response.Headers.RetryAfter = open.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await writer.WriteAsync(context, StatusFor(open), open.Code, open.Message, open.Details);
                return true;

            case DomainException domain:
                await writer.WriteAsync(context, StatusFor(domain), domain.Code, domain.Message, domain.Details);
                return true;

            case BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge }:
                await writer.WriteAsync(context, 413, ErrorCodes.PayloadTooLarge, "Request body is too large");
                return true;

            case BadHttpRequestException bad:
                await writer.WriteAsync(context, bad.StatusCode, ErrorCodes.BadRequest, "The request could not be read");
                return true;

            case OperationCanceledException when context.RequestAborted.IsCancellationRequested:
                // The client went away; there is nobody to answer.
                context.Response.StatusCode = 499;
                return true;

            case Exception when DatabaseUnavailable.Postgres(exception) is { SqlState: PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure }:
                logger.LogWarning("Concurrent update conflict ({SqlState}) for request {RequestId}", DatabaseUnavailable.Postgres(exception)!.SqlState, context.TraceIdentifier);
                context.Response.Headers.RetryAfter = "1";
                await writer.WriteAsync(context, 409, ErrorCodes.Conflict, "A concurrent update got in the way; retry the request");
                return true;

            case Microsoft.EntityFrameworkCore.DbUpdateConcurrencyException:
                // The row's version changed (or the row went) between our read and our write: another request won.
                logger.LogWarning("Optimistic concurrency conflict for request {RequestId}", context.TraceIdentifier);
                context.Response.Headers.RetryAfter = "1";
                await writer.WriteAsync(context, 409, ErrorCodes.Conflict, "The resource was changed by another request; read it again and retry");
                return true;

            case InvalidDataException:
                // A compressed request body that does not decompress.
                await writer.WriteAsync(context, 400, ErrorCodes.BadRequest, "The request body could not be decompressed");
                return true;

            case Exception when DatabaseUnavailable.Is(exception):
                // Down, restarting, slower than the command timeout or out of pooled connections: the request's
                // transaction did not commit (or, for a lost COMMIT reply, a retry with the same Idempotency-Key replays it).
                logger.LogWarning("Database unavailable for request {RequestId}: {ExceptionType} {ExceptionMessage}", context.TraceIdentifier, exception.GetType().Name, exception.Message);
                context.Response.Headers.RetryAfter = database.Value.UnavailableRetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await writer.WriteAsync(context, 503, ErrorCodes.ServiceUnavailable, "The service is temporarily unavailable; retry shortly");
                return true;

            case var _ when RefusedInput(exception) is { } refused:
                // The database refused a value that came from the request (text with NUL, a number beyond the column):
                // the transaction rolled back, nothing was written, and the caller can fix the request.
                logger.LogWarning("Database refused a value of request {RequestId} ({SqlState}: {Reason})", context.TraceIdentifier, refused.SqlState, refused.MessageText);
                await writer.WriteAsync(context, 400, ErrorCodes.ValidationFailed, refused.SqlState == PostgresErrorCodes.NumericValueOutOfRange
                    ? "A number in the request is beyond the range that can be stored"
                    : "The request contains text that cannot be stored (a NUL character)");
                return true;

            case System.Text.DecoderFallbackException:
            case InvalidOperationException { InnerException: System.Text.DecoderFallbackException }:
                // The body is not valid text in the charset its Content-Type declares (System.Text.Json reports invalid
                // UTF-8 in a property name only when the name is read, wrapped in an InvalidOperationException).
                await writer.WriteAsync(context, 400, ErrorCodes.BadRequest, "The request body is not valid text in its declared charset");
                return true;

            default:
                logger.LogError(exception, "Unhandled exception for request {RequestId} {Method} {Path}", context.TraceIdentifier, context.Request.Method, context.Request.Path);
                await writer.WriteAsync(context, 500, ErrorCodes.InternalError, "An unexpected error occurred");
                return true;
        }
    }

    private static PostgresException? RefusedInput(Exception exception) =>
        (exception as PostgresException ?? exception.InnerException as PostgresException) is { } postgres
        && postgres.SqlState is PostgresErrorCodes.CharacterNotInRepertoire or PostgresErrorCodes.UntranslatableCharacter or PostgresErrorCodes.NumericValueOutOfRange
            ? postgres
            : null;

    public static int StatusFor(DomainException exception) => exception switch
    {
        NotFoundException => StatusCodes.Status404NotFound,
        ConflictException => StatusCodes.Status409Conflict,
        InsufficientStockException => StatusCodes.Status409Conflict,
        PermissionDeniedException => StatusCodes.Status403Forbidden,
        ValidationFailedException => StatusCodes.Status400BadRequest,
        Domain.Features.Integrations.Connectors.CircuitBreakerOpenException => StatusCodes.Status503ServiceUnavailable,
        Domain.Features.Integrations.Connectors.IntegrationCallException => StatusCodes.Status502BadGateway,
        _ => StatusCodes.Status400BadRequest,
    };
}
