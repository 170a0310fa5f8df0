using Microsoft.OpenApi.Any;
using Microsoft.OpenApi.Models;
using Smackdab.Inventory.Api.Security;
using Smackdab.Inventory.Domain.Common;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Smackdab.Inventory.Api.Auth;

/// <summary>
/// Swagger for the authentication layer: the OAuth 2.0 (client credentials, token URL /oauth/token) and bearer security
/// schemes next to the API key, the required scope of each operation as security requirement scopes and as
/// <c>x-required-scopes</c>, and the OAuth endpoints' exception to the envelope.
/// </summary>
public static class AuthSwagger
{
    public const string OAuthScheme = "OAuth2";
    public const string BearerScheme = "Bearer";

    private static readonly Dictionary<string, string> ScopeDescriptions = new()
    {
        [Scopes.ProductsRead] = "Read products, locations and branches",
        [Scopes.ProductsWrite] = "Create, change and delete products and locations",
        [Scopes.TransactionsRead] = "Read inventory transactions",
        [Scopes.TransactionsCreate] = "Record inventory transactions",
        [Scopes.AllocationsRead] = "Read allocations",
        [Scopes.AllocationsManage] = "Create and release allocations",
        [Scopes.ReportsRead] = "Read reports",
        [Scopes.Admin] = "Everything, including API keys, OAuth clients and branches",
    };

    public static void Configure(SwaggerGenOptions options)
    {
        options.AddSecurityDefinition(OAuthScheme, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.OAuth2,
            Description = "OAuth 2.0 client credentials: register a client with POST /v1/oauth/clients, then authorize here with its "
                + "id and secret. Also send X-Organization-ID (the client's organization).",
            Flows = new OpenApiOAuthFlows
            {
                ClientCredentials = new OpenApiOAuthFlow
                {
                    TokenUrl = new Uri("/oauth/token", UriKind.Relative),
                    Scopes = Scopes.All.ToDictionary(s => s, s => ScopeDescriptions.GetValueOrDefault(s, s)),
                },
            },
        });
        options.AddSecurityDefinition(BearerScheme, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "An access token from POST /oauth/token (RS256 JWT, keys at /.well-known/jwks.json).",
        });
        options.OperationFilter<ScopeSecurityOperationFilter>();
    }
}

/// <summary>Runs after the standard operation filter: sets security requirements with scopes and documents the OAuth endpoints.</summary>
public sealed class ScopeSecurityOperationFilter : IOperationFilter
{
    private static readonly string[] EnvelopeErrors = ["400", "401", "403", "404", "429"];

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var path = context.ApiDescription.RelativePath ?? "";
        if (path.StartsWith("oauth/", StringComparison.Ordinal) || path.StartsWith(".well-known/", StringComparison.Ordinal))
        {
            DocumentProtocolEndpoint(operation, context);
            return;
        }

        var metadata = context.ApiDescription.ActionDescriptor.EndpointMetadata;
        if (operation.Security is not { Count: > 0 })
        {
            return;
        }

        if (metadata.OfType<RequirePlatformKeyAttribute>().Any())
        {
            operation.Security = [Requirement(ApiKeyAuthenticationHandler.SchemeName, [])];
            return;
        }

        var scopes = metadata.OfType<RequireScopeAttribute>().Select(a => a.Scope).Distinct(StringComparer.Ordinal).ToList();
        operation.Security =
        [
            Requirement(ApiKeyAuthenticationHandler.SchemeName, []),
            Requirement(AuthSwagger.OAuthScheme, scopes),
            Requirement(AuthSwagger.BearerScheme, []),
        ];
        // The XML-comment filter runs after the standard one and replaces descriptions that have remarks; say it again here.
        if (scopes.Count > 0 && operation.Description?.Contains("Required scope", StringComparison.Ordinal) != true)
        {
            var names = string.Join(", ", scopes.Select(s => $"`{s}`"));
            operation.Description = $"{operation.Description}\n\nRequired scope: {names} (or `{Scopes.Admin}`).".Trim();
        }

        var extension = new OpenApiArray();
        extension.AddRange(scopes.Select(s => new OpenApiString(s)));
        operation.Extensions["x-required-scopes"] = extension;
    }

    private static OpenApiSecurityRequirement Requirement(string scheme, List<string> scopes) => new()
    {
        [new OpenApiSecurityScheme { Reference = new OpenApiReference { Type = ReferenceType.SecurityScheme, Id = scheme } }] = scopes,
    };

    private static void DocumentProtocolEndpoint(OpenApiOperation operation, OperationFilterContext context)
    {
        operation.Security = [];
        operation.Parameters = operation.Parameters?.Where(p => p.Name != "fields").ToList() ?? [];
        var oauthError = context.SchemaGenerator.GenerateSchema(typeof(OAuthErrorResponse), context.SchemaRepository);
        foreach (var status in EnvelopeErrors)
        {
            if (operation.Responses.TryGetValue(status, out var response)
                && response.Content.TryGetValue("application/json", out var media)
                && media.Schema?.Reference?.Id == "ErrorEnvelope")
            {
                operation.Responses.Remove(status);
            }
        }

        if (context.ApiDescription.HttpMethod == "POST" && !(context.ApiDescription.RelativePath ?? "").StartsWith("oauth/authorize", StringComparison.Ordinal))
        {
            foreach (var (status, text) in new[] { ("400", "OAuth error (invalid_request, invalid_grant, invalid_scope, unsupported_grant_type, …)"), ("401", "invalid_client"), ("429", "Too many failed client authentications (Retry-After)") })
            {
                operation.Responses[status] = new OpenApiResponse
                {
                    Description = text,
                    Content = { ["application/json"] = new OpenApiMediaType { Schema = oauthError } },
                };
            }
        }

        // Forms are application/x-www-form-urlencoded, as RFC 6749 requires.
        if (operation.RequestBody?.Content is { Count: > 0 } content)
        {
            var schema = content.Values.First();
            content.Clear();
            content["application/x-www-form-urlencoded"] = schema;
        }

        operation.Description = ($"{operation.Description}\n\nThis is an OAuth 2.0 protocol endpoint: it answers in the formats of the RFCs, "
            + "and errors are `{\"error\": \"…\", \"error_description\": \"…\"}` (RFC 6749 section 5.2), not the response envelope.").Trim();
    }
}
