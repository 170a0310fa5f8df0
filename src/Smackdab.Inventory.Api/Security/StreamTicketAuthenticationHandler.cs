using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Smackdab.Inventory.Domain.Features.Events;

namespace Smackdab.Inventory.Api.Security;

/// <summary>
/// Authenticates <c>?ticket=</c> from POST /v1/stream-tickets, and only on endpoints marked
/// <see cref="AcceptsStreamTicketAttribute"/> (the SSE stream and the WebSocket): browsers cannot send headers there.
/// The ticket is redeemed atomically (single use) and carries its issuer's organization, branch binding and scopes.
/// API keys and tokens are never accepted in a URL.
/// </summary>
public sealed class StreamTicketAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory loggerFactory, UrlEncoder encoder, StreamTicketService tickets)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "StreamTicket";
    public const string QueryParameter = "ticket";

    /// <summary>True when a request presents a ticket and no header credential.</summary>
    public static bool Presents(HttpContext context) =>
        context.Request.Query.ContainsKey(QueryParameter)
        && context.Request.Headers.Authorization.Count == 0
        && context.Request.Headers[ApiKeyAuthenticationHandler.Header].Count == 0;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var secret = Request.Query[QueryParameter].ToString();
        if (secret.Length == 0)
        {
            return AuthenticateResult.NoResult();
        }

        if (Context.GetEndpoint()?.Metadata.GetMetadata<AcceptsStreamTicketAttribute>() is null)
        {
            return AuthenticateResult.Fail("Stream tickets are accepted only by the event stream and the WebSocket");
        }

        var ticket = await tickets.RedeemAsync(secret, Context.RequestAborted);
        if (ticket is null)
        {
            Logger.LogInformation("Rejected an unknown, expired or already used stream ticket");
            return AuthenticateResult.Fail("Unknown, expired or already used stream ticket");
        }

        var claims = new List<Claim>
        {
            new(CallerClaims.Organization, ticket.OrganizationId),
            new(CallerClaims.StreamTicket, "true"),
        };
        if (ticket.KeyId is not null)
        {
            claims.Add(new Claim(CallerClaims.KeyId, ticket.KeyId));
        }

        if (ticket.BranchId is not null)
        {
            claims.Add(new Claim(CallerClaims.Branch, ticket.BranchId));
        }

        claims.AddRange(ticket.Scopes.Select(s => new Claim(CallerClaims.Scope, s)));
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));
    }
}

/// <summary>The endpoint accepts <c>?ticket=</c> (browser streams). Nothing else does.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class AcceptsStreamTicketAttribute : Attribute;
