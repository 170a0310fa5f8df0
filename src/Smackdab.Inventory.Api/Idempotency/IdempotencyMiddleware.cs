using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Smackdab.Inventory.Api.Envelope;
using Smackdab.Inventory.Api.Errors;
using Smackdab.Inventory.Api.Middleware;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Features.Idempotency;
using Smackdab.Inventory.Domain.Tenancy;

namespace Smackdab.Inventory.Api.Idempotency;

/// <summary>
/// Makes a mutation sent with an Idempotency-Key happen at most once per organization, credential, endpoint and key.
/// Around the action it opens a transaction on the request's <see cref="InventoryDbContext"/>, takes an advisory lock on
/// the key (held: 409 IDEMPOTENCY_IN_PROGRESS), replays a stored answer (or 422 when the body differs), and otherwise runs
/// the action with its response buffered: a 2xx answer is stored and committed together with the action's effect, anything
/// else is rolled back. Runs after authorization, so the tenant is known and refused requests never reach it.
/// </summary>
public sealed class IdempotencyMiddleware(RequestDelegate next, IOptions<IdempotencyOptions> options, ErrorWriter errors, TimeProvider clock, ILogger<IdempotencyMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context, TenantContext tenant, InventoryDbContext db, IIdempotencyStore store)
    {
        var request = context.Request;
        if (!IdempotencyRules.AppliesTo(request.Method)
            || context.GetEndpoint() is not RouteEndpoint endpoint
            || !request.Path.StartsWithSegments("/v1")
            || tenant.OrganizationId is not { } organizationId
            || IdempotencyCredential.Of(context.User) is not { } credentialId)
        {
            await next(context);
            return;
        }

        var settings = options.Value;
        var ct = context.RequestAborted;
        var key = request.Headers[IdempotencyRules.Header].ToString();
        if (key.Length == 0)
        {
            if (IdempotencyRules.IsKeyRequired(request.Method, request.Path, settings.RequiredPathPrefix, organizationRequires: true)
                && await store.RequiresKeyForInventoryAsync(organizationId, ct))
            {
                await errors.WriteAsync(context, 400, ErrorCodes.IdempotencyKeyRequired, $"An {IdempotencyRules.Header} header is required for this request",
                    new Dictionary<string, object?> { [IdempotencyRules.Header] = new[] { "Is required on POST requests under " + settings.RequiredPathPrefix } });
                return;
            }

            await next(context);
            return;
        }

        if (!IdempotencyRules.IsValidKey(key))
        {
            await errors.WriteAsync(context, 400, ErrorCodes.ValidationFailed, "Request validation failed",
                new Dictionary<string, object?> { [IdempotencyRules.Header] = new[] { $"Must be 1 to {IdempotencyRules.MaxKeyLength} printable ASCII characters" } });
            return;
        }

        var scope = $"{request.Method.ToUpperInvariant()} /{endpoint.RoutePattern.RawText?.TrimStart('/')}";
        // The branch and mode headers change what the same path and body act on, so they are part of the request.
        var tenantHeaders = $"{request.Headers[TenancyMiddleware.BranchHeader]}\n{request.Headers[TenancyMiddleware.ModeHeader]}";
        // Uploads: hashed part by part (the boundary differs on every upload) without holding the file in memory.
        var hash = MultipartRequestHash.Applies(request) && await MultipartRequestHash.ComputeAsync(request, ct) is { } partsHash
            ? RequestHash.Compute(request.Method, request.Path + request.QueryString, tenantHeaders, System.Text.Encoding.UTF8.GetBytes(partsHash))
            : RequestHash.Compute(request.Method, request.Path + request.QueryString, tenantHeaders, await ReadBodyAsync(request, ct));
        var secrets = endpoint.Metadata.GetMetadata<ResponseSecretsAttribute>();

        await using var transaction = await db.BeginOrJoinTransactionAsync(ct);
        if (!await store.TryLockAsync(organizationId, credentialId, scope, key, ct))
        {
            context.Response.Headers.RetryAfter = settings.InProgressRetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await errors.WriteAsync(context, 409, ErrorCodes.IdempotencyInProgress, "A request with this Idempotency-Key is still being processed; retry shortly",
                new Dictionary<string, object?> { ["retry_after"] = settings.InProgressRetryAfterSeconds });
            return;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var stored = await store.FindAsync(organizationId, credentialId, scope, key, now, ct);
        if (stored is not null)
        {
            if (stored.RequestHash != hash)
            {
                await errors.WriteAsync(context, 422, ErrorCodes.IdempotencyKeyReused, "This Idempotency-Key was already used with a different request",
                    new Dictionary<string, object?> { [IdempotencyRules.Header] = new[] { "Was used with another body or path; use a new key for a new request" } });
                return;
            }

            await ReplayAsync(context, stored, secrets);
            return;
        }

        using var buffer = new MemoryStream();
        var responseBody = context.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
        context.Features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(buffer));
        try
        {
            await next(context);
        }
        finally
        {
            context.Features.Set(responseBody);
        }

        var status = context.Response.StatusCode;
        if (status is >= 200 and < 300)
        {
            await store.SaveAsync(new IdempotencyRecord
            {
                OrganizationId = organizationId,
                CredentialId = credentialId,
                Endpoint = scope,
                Key = key,
                RequestHash = hash,
                ResponseStatus = status,
                ResponseBody = StoredBody(buffer, secrets),
                CreatedAt = now,
                ExpiresAt = now.AddHours(settings.TtlHours),
            }, now, ct);
            // Not cancellable: once COMMIT is sent its outcome must not be left in doubt by a client that went away.
            await transaction.CommitAsync(CancellationToken.None);
        }
        else
        {
            await transaction.RollbackAsync(CancellationToken.None);
            logger.LogDebug("Not storing idempotent response {StatusCode} for {Endpoint}", status, scope);
        }

        buffer.Position = 0;
        await buffer.CopyToAsync(context.Response.Body, ct);
    }

    private static async Task<ReadOnlyMemory<byte>> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        // Buffered so that model binding reads it again; the body-size limit (applied upstream) still bounds it.
        request.EnableBuffering();
        using var copy = new MemoryStream();
        await request.Body.CopyToAsync(copy, ct);
        request.Body.Position = 0;
        return copy.ToArray();
    }

    /// <summary>The answer as stored: exactly as sent, except that secrets shown only once are blanked and never stored.</summary>
    private static string StoredBody(MemoryStream buffer, ResponseSecretsAttribute? secrets)
    {
        var text = Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        if (secrets is null)
        {
            return text;
        }

        var body = JsonNode.Parse(text) as JsonObject ?? [];
        secrets.Redact(body);
        return body.ToJsonString();
    }

    private static async Task ReplayAsync(HttpContext context, IdempotencyRecord stored, ResponseSecretsAttribute? secrets)
    {
        var body = JsonNode.Parse(stored.ResponseBody) as JsonObject ?? [];
        var meta = RequestInfo.BaseMeta(context);
        meta["idempotent"] = true;
        meta["original_created_at"] = DateTime.SpecifyKind(stored.CreatedAt, DateTimeKind.Utc);
        if (body["meta"] is JsonObject originalMeta && originalMeta["request_id"] is { } originalRequestId)
        {
            meta["original_request_id"] = originalRequestId.GetValue<string>();
        }

        var message = IdempotencyRules.ReplayMessage(body["message"] is JsonValue original && original.TryGetValue<string>(out var text) ? text : null);
        if (secrets is not null)
        {
            meta["redacted_fields"] = secrets.Fields.Select(f => "data." + f).ToArray();
            message += IdempotencyRules.SecretNotReplayedMessage;
        }

        body["meta"] = JsonSerializer.SerializeToNode(meta);
        body["message"] = message;

        context.Response.StatusCode = IdempotencyRules.ReplayStatus(stored.ResponseStatus);
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers[IdempotencyRules.ReplayedHeader] = "true";
        await context.Response.Body.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(body), context.RequestAborted);
    }
}
