using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi.Any;
using Microsoft.OpenApi.Models;
using Smackdab.Inventory.Api.Middleware;
using Smackdab.Inventory.Api.Security;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Smackdab.Inventory.Api.OpenApi;

public static class SwaggerSetup
{
    public static IServiceCollection AddInventorySwagger(this IServiceCollection services)
    {
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(options =>
        {
            options.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "Smackdab Inventory API",
                Version = "v1",
                Description = "Multi-tenant inventory API. Every response is wrapped in the envelope "
                    + "(data, meta, message, toast, responseType; errors add error {code, message, details, request_id, timestamp}). "
                    + "Contracts: shared/schemas/envelope.yaml and shared/parameters.yaml.",
            });
            options.AddSecurityDefinition(ApiKeyAuthenticationHandler.SchemeName, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = ApiKeyAuthenticationHandler.Header,
                Description = "An organization API key (sk_live_…), or the platform key for POST /v1/organizations.",
            });
            options.CustomSchemaIds(type => type.IsGenericType
                ? $"{type.Name.Split('`')[0]}Of{string.Join("And", type.GetGenericArguments().Select(a => a.IsGenericType ? a.GetGenericArguments()[0].Name + "List" : a.Name))}"
                : type.Name);
            options.OperationFilter<StandardHeadersOperationFilter>();
            options.OperationFilter<Versioning.DeprecatedOperationFilter>();
            options.OperationFilter<Idempotency.IdempotencyKeyOperationFilter>();
            options.SchemaFilter<ExampleSchemaFilter>();
            var xml = Path.Combine(AppContext.BaseDirectory, "Smackdab.Inventory.Api.xml");
            if (File.Exists(xml))
            {
                options.IncludeXmlComments(xml);
            }
        });
        return services;
    }
}

/// <summary>Documents the spec's standard headers, list parameters, required scope and error envelopes on every operation.</summary>
public sealed class StandardHeadersOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var metadata = context.ApiDescription.ActionDescriptor.EndpointMetadata;
        var platformOnly = metadata.OfType<RequirePlatformKeyAttribute>().Any();
        var anonymous = metadata.OfType<IAllowAnonymous>().Any();
        operation.Parameters ??= [];

        if (!anonymous)
        {
            operation.Security = [new OpenApiSecurityRequirement
            {
                [new OpenApiSecurityScheme { Reference = new OpenApiReference { Type = ReferenceType.SecurityScheme, Id = ApiKeyAuthenticationHandler.SchemeName } }] = [],
            }];
        }

        if (!platformOnly && !anonymous)
        {
            Header(operation, TenancyMiddleware.OrganizationHeader, "The caller's organization, e.g. org_demo.", required: true, example: "org_demo");
            Header(operation, TenancyMiddleware.BranchHeader, "The branch to act in; defaults to the organization's default branch.", example: "branch_main");
            Header(operation, TenancyMiddleware.ModeHeader, "shared (default) or branch_isolated: limit reads and writes to the branch's locations.", example: "shared");
        }

        Header(operation, RequestIdMiddleware.Header, "Echoed back when sane ([A-Za-z0-9._:-], up to 128 chars); generated (req_…) otherwise.");
        var method = context.ApiDescription.HttpMethod;
        if (method == "GET" && !anonymous)
        {
            Header(operation, ConsistencyMiddleware.Header, "eventual (default): may be answered from the read cache, never older than a committed write; strong: always from the primary database.", example: "eventual");
        }

        if (method is "PUT" or "PATCH" or "DELETE")
        {
            Header(operation, "If-Match", "Apply only to this version, e.g. \"version-3\"; 409 CONFLICT otherwise.");
        }

        if (context.MethodInfo.Name == "List")
        {
            Query(operation, "page", "1-based page number (offset paging).", "integer");
            Query(operation, "pageSize", "Items per page, 1-200 (default 25).", "integer");
            Query(operation, "after_key", "Cursor from meta.pagination.nextCursor (cursor paging, stable under inserts).", "string");
            Query(operation, "limit", "Items per page in cursor paging, 1-200.", "integer");
            Query(operation, "sort", "Sort field, '-' prefix for descending, e.g. -created_at.", "string");
            Query(operation, "q", "Free-text search.", "string");
            Query(operation, "fields", "Sparse fieldset, e.g. id,sku,name.", "string");
        }
        else if (method == "GET")
        {
            Query(operation, "fields", "Sparse fieldset, e.g. id,sku,name.", "string");
        }

        if (context.MethodInfo.DeclaringType?.Name == "ProductsController" && method == "GET")
        {
            Query(operation, "include", "Expansions: inventory, pricing.", "string");
        }

        var scope = metadata.OfType<RequireScopeAttribute>().LastOrDefault()?.Scope;
        if (scope is not null)
        {
            operation.Description = $"{operation.Description}\n\nRequired scope: `{scope}` (or `inventory.admin`).".Trim();
        }

        var errorSchema = context.SchemaGenerator.GenerateSchema(typeof(Envelope.ErrorEnvelope), context.SchemaRepository);
        foreach (var (status, text) in new[] { ("400", "Validation failed or a header is missing"), ("401", "Authentication failed"), ("403", "Permission denied"), ("404", "Not found"), ("429", "Rate limit exceeded") })
        {
            operation.Responses.TryAdd(status, new OpenApiResponse
            {
                Description = text,
                Content = { ["application/json"] = new OpenApiMediaType { Schema = errorSchema } },
            });
        }
    }

    private static void Header(OpenApiOperation operation, string name, string description, bool required = false, string? example = null)
    {
        if (operation.Parameters.Any(p => p.Name == name))
        {
            return;
        }

        operation.Parameters.Add(new OpenApiParameter
        {
            Name = name,
            In = ParameterLocation.Header,
            Required = required,
            Description = description,
            Schema = new OpenApiSchema { Type = "string" },
            Example = example is null ? null : new OpenApiString(example),
        });
    }

    private static void Query(OpenApiOperation operation, string name, string description, string type)
    {
        if (operation.Parameters.All(p => p.Name != name))
        {
            operation.Parameters.Add(new OpenApiParameter { Name = name, In = ParameterLocation.Query, Description = description, Schema = new OpenApiSchema { Type = type } });
        }
    }
}

/// <summary>Uses a request type's static <c>Example</c> property as its schema example.</summary>
public sealed class ExampleSchemaFilter(IOptions<JsonOptions> json) : ISchemaFilter
{
    public void Apply(OpenApiSchema schema, SchemaFilterContext context)
    {
        var property = context.Type.GetProperty("Example", BindingFlags.Public | BindingFlags.Static);
        if (property?.GetValue(null) is { } example)
        {
            var text = JsonSerializer.Serialize(example, context.Type, json.Value.JsonSerializerOptions);
            schema.Example = OpenApiAnyParser.Parse(text);
        }
    }
}

internal static class OpenApiAnyParser
{
    public static IOpenApiAny Parse(string json) => Convert(JsonDocument.Parse(json).RootElement);

    private static IOpenApiAny Convert(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => ToObject(element),
        JsonValueKind.Array => ToArray(element),
        JsonValueKind.String => new OpenApiString(element.GetString()),
        JsonValueKind.Number => new OpenApiDouble(element.GetDouble()),
        JsonValueKind.True => new OpenApiBoolean(true),
        JsonValueKind.False => new OpenApiBoolean(false),
        _ => new OpenApiNull(),
    };

    private static OpenApiObject ToObject(JsonElement element)
    {
        var result = new OpenApiObject();
        foreach (var property in element.EnumerateObject())
        {
            result[property.Name] = Convert(property.Value);
        }

        return result;
    }

    private static OpenApiArray ToArray(JsonElement element)
    {
        var result = new OpenApiArray();
        result.AddRange(element.EnumerateArray().Select(Convert));
        return result;
    }
}
