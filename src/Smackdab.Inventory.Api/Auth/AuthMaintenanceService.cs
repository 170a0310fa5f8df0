using Microsoft.Extensions.Options;
using Smackdab.Inventory.Domain.Features.OAuth;

namespace Smackdab.Inventory.Api.Auth;

/// <summary>
/// Background work of the authentication layer, every <see cref="JwtOptions.KeyRotationCheckSeconds"/>: rotates the signing key
/// when it is due and deletes expired codes, refresh tokens and revocations. Safe to run on every instance (the rotation takes
/// an advisory lock). Uses the injected <see cref="TimeProvider"/> for its timer.
/// </summary>
public sealed class AuthMaintenanceService(
    SigningKeyCache keys,
    IServiceScopeFactory scopes,
    IOptions<JwtOptions> options,
    TimeProvider clock,
    ILogger<AuthMaintenanceService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await RunOnceAsync(stoppingToken);
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(options.Value.KeyRotationCheckSeconds), clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async Task RunOnceAsync(CancellationToken ct)
    {
        try
        {
            await keys.EnsureCurrentAsync(ct);
            using var scope = scopes.CreateScope();
            var purged = await scope.ServiceProvider.GetRequiredService<OAuthGrantService>().PurgeExpiredAsync(ct);
            if (purged > 0)
            {
                logger.LogInformation("Purged {Count} expired OAuth codes, refresh tokens and revocations", purged);
            }
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            // The next round tries again; tokens keep being issued with the cached key meanwhile.
            logger.LogWarning(e, "Signing key maintenance failed");
        }
    }
}
