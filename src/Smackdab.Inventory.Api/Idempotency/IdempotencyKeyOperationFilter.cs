using Microsoft.OpenApi.Models;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Smackdab.Inventory.Api.Idempotency;

/// <summary>Documents the Idempotency-Key header on every POST, PATCH and DELETE.</summary>
public sealed class IdempotencyKeyOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var method = context.ApiDescription.HttpMethod ?? "";
        if (!IdempotencyRules.AppliesTo(method) || operation.Parameters?.Any(p => p.Name == IdempotencyRules.Header) == true)
        {
            return;
        }

        var requiredHere = HttpMethods.IsPost(method)
            && ("/" + context.ApiDescription.RelativePath).StartsWith("/v1/inventory/", StringComparison.OrdinalIgnoreCase);
        operation.Parameters ??= [];
        operation.Parameters.Add(new OpenApiParameter
        {
            Name = IdempotencyRules.Header,
            In = ParameterLocation.Header,
            Required = false,
            Description = (requiredHere ? "Required unless the organization turned require_idempotency_for_inventory off (400 IDEMPOTENCY_KEY_REQUIRED). " : "Optional. ")
                + "1-255 printable ASCII characters. A retry with the same key and request returns the stored response (200, Idempotent-Replayed: true); "
                + "another request with the key is 422 IDEMPOTENCY_KEY_REUSED; while the first still runs, 409 IDEMPOTENCY_IN_PROGRESS. Kept 24 h, "
                + "per credential; X-Branch-ID and X-Inventory-Mode are part of the request.",
            Schema = new OpenApiSchema { Type = "string", MaxLength = IdempotencyRules.MaxKeyLength },
        });
    }
}
