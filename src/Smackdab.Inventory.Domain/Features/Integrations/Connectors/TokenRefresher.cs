using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Smackdab.Inventory.Domain.Data;

namespace Smackdab.Inventory.Domain.Features.Integrations.Connectors;

/// <summary>The tokens an external system's token endpoint issued.</summary>
public sealed record TokenRefreshResult(string AccessToken, string? RefreshToken, int ExpiresIn, string TokenType);

/// <summary>
/// Refreshes an external system's OAuth 2.0 access token (refresh_token grant, or client_credentials without one) and
/// stores the new tokens encrypted. The integration row stays locked while the token endpoint is called, so that two
/// instances never spend the same (rotating) refresh token: the second one finds the credentials already changed.
/// </summary>
public sealed class TokenRefresher(
    IServiceScopeFactory scopes,
    ConnectorHttp http,
    CredentialProtector protector,
    TimeProvider clock,
    ILogger<TokenRefresher> logger)
{
    /// <summary>
    /// Refreshes unless the stored credentials already differ from <paramref name="knownVersion"/> (another caller refreshed
    /// first; its tokens are returned). <paramref name="overrides"/> (the spec's manual refresh body) are stored first.
    /// </summary>
    public async Task<(IntegrationCredentials Credentials, int Version, TokenRefreshResult? Issued)> RefreshAsync(
        Integration integration, int? knownVersion, AuthenticationRequest? overrides, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<InventoryDbContext>();
        return await db.InTransactionAsync(async () =>
        {
            var row = await db.Integrations
                .FromSql($"SELECT * FROM integrations WHERE id = {integration.Id} FOR UPDATE")
                .IgnoreQueryFilters()
                .SingleAsync(ct);
            var stored = protector.Unprotect(row.CredentialsCiphertext, row.Id);
            if (knownVersion is { } known && row.CredentialsVersion != known && stored.AccessToken is not null)
            {
                return (stored, row.CredentialsVersion, (TokenRefreshResult?)null);
            }

            if (overrides is not null)
            {
                stored = stored with
                {
                    RefreshToken = overrides.RefreshToken ?? stored.RefreshToken,
                    ClientId = overrides.ClientId ?? stored.ClientId,
                    ClientSecret = overrides.ClientSecret ?? stored.ClientSecret,
                };
            }

            var issued = await RequestTokensAsync(integration, stored, ct);
            var updated = stored with
            {
                AccessToken = issued.AccessToken,
                RefreshToken = issued.RefreshToken ?? stored.RefreshToken,
                AccessTokenExpiresAt = clock.GetUtcNow().UtcDateTime.AddSeconds(issued.ExpiresIn),
            };
            row.CredentialsCiphertext = protector.Protect(updated, row.Id);
            row.CredentialsVersion++;
            await db.SaveChangesAsync(ct);
            logger.LogInformation("Refreshed the access token of integration {IntegrationId}; it expires in {ExpiresIn} s", row.Id, issued.ExpiresIn);
            return (updated, row.CredentialsVersion, (TokenRefreshResult?)issued);
        }, ct);
    }

    private async Task<TokenRefreshResult> RequestTokensAsync(Integration integration, IntegrationCredentials credentials, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(credentials.TokenUrl))
        {
            throw new IntegrationCallException(integration.Id, ConnectorErrorClasses.AuthenticationFailed, "The integration has no OAuth token URL", null, 0);
        }

        var form = new Dictionary<string, string>();
        if (!string.IsNullOrEmpty(credentials.RefreshToken))
        {
            form["grant_type"] = "refresh_token";
            form["refresh_token"] = credentials.RefreshToken;
        }
        else
        {
            form["grant_type"] = "client_credentials";
        }

        if (!string.IsNullOrEmpty(credentials.Scope))
        {
            form["scope"] = credentials.Scope;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, credentials.TokenUrl) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Authorization = new AuthenticationHeaderValue(
            "Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(credentials.ClientId ?? "")}:{Uri.EscapeDataString(credentials.ClientSecret ?? "")}")));
        using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(integration.TimeoutMs), clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        HttpResponseMessage response;
        try
        {
            response = await http.Client.SendAsync(request, linked.Token);
        }
        catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            var errorClass = e is HttpRequestException ? ConnectorErrorClasses.NetworkError : ConnectorErrorClasses.Timeout;
            throw new IntegrationCallException(integration.Id, errorClass, "The token endpoint could not be reached", null, 1);
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(linked.Token);
            if (!response.IsSuccessStatusCode)
            {
                logger.LogWarning("Token refresh of integration {IntegrationId} refused with {StatusCode}", integration.Id, (int)response.StatusCode);
                throw new IntegrationCallException(
                    integration.Id, ConnectorErrorClasses.AuthenticationFailed, "The external system refused the token refresh", (int)response.StatusCode, 1);
            }

            try
            {
                var body = JsonDocument.Parse(text).RootElement;
                return new TokenRefreshResult(
                    body.GetProperty("access_token").GetString() ?? throw new JsonException("access_token"),
                    body.TryGetProperty("refresh_token", out var rt) && rt.ValueKind == JsonValueKind.String ? rt.GetString() : null,
                    body.TryGetProperty("expires_in", out var exp) && exp.TryGetInt32(out var seconds) ? seconds : 3600,
                    body.TryGetProperty("token_type", out var tt) && tt.ValueKind == JsonValueKind.String ? tt.GetString()! : "Bearer");
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw new IntegrationCallException(integration.Id, ConnectorErrorClasses.AuthenticationFailed, "The token endpoint answered without an access_token", (int)response.StatusCode, 1);
            }
        }
    }
}
