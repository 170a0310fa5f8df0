using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Smackdab.Inventory.Domain.Features.SigningKeys;

namespace Smackdab.Inventory.Api.Auth;

/// <summary>
/// The published signing keys in memory, read from PostgreSQL at most every <see cref="JwtOptions.KeyCacheSeconds"/>, and
/// again (at most every few seconds) when a token names a kid this instance has not seen — another instance may have rotated.
/// </summary>
public sealed class SigningKeyCache(
    IServiceScopeFactory scopes, IOptions<JwtOptions> options, SigningKeyProtector protector, TimeProvider clock, ILogger<SigningKeyCache> logger)
    : IDisposable
{
    private static readonly TimeSpan UnknownKidRefreshInterval = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile KeySet? _keys;

    /// <summary>The key that signs new tokens.</summary>
    public async Task<PublishedKey> GetSigningKeyAsync(CancellationToken ct)
    {
        var keys = await GetAsync(ct);
        return keys.Published[0].SigningKey is not null
            ? keys.Published[0]
            : throw new InvalidOperationException("The current signing key has no private key.");
    }

    /// <summary>The published keys, current first (for the JWKS).</summary>
    public async Task<IReadOnlyList<PublishedKey>> GetPublishedAsync(CancellationToken ct) => (await GetAsync(ct)).Published;

    /// <summary>The verification key for a kid, or null when the kid is not (or no longer) published.</summary>
    public async Task<RsaSecurityKey?> FindVerificationKeyAsync(string kid, CancellationToken ct) =>
        (await FindPublishedKeyAsync(kid, ct))?.VerificationKey;

    /// <summary>The published key for a kid (with when it was retired), or null when the kid is not (or no longer) published.</summary>
    public async Task<PublishedKey?> FindPublishedKeyAsync(string kid, CancellationToken ct)
    {
        var keys = await GetAsync(ct);
        var found = keys.Published.FirstOrDefault(k => k.KeyId == kid);
        if (found is null && clock.GetUtcNow() - keys.LoadedAt > UnknownKidRefreshInterval)
        {
            keys = await ReloadAsync(keys, ct);
            found = keys.Published.FirstOrDefault(k => k.KeyId == kid);
        }

        return found;
    }

    /// <summary>Rotates now (operator request) and returns the new published keys.</summary>
    public async Task<IReadOnlyList<PublishedKey>> RotateNowAsync(CancellationToken ct)
    {
        using (var scope = scopes.CreateScope())
        {
            // Not cancelled halfway by the caller: the work is short, shared, and bounded by the database command timeout.
            var created = await scope.ServiceProvider.GetRequiredService<SigningKeyService>().RotateNowAsync(options.Value.KeySizeBits, CancellationToken.None);
            logger.LogInformation("Signing key rotated on request; the current key is now {KeyId}", created.Id);
        }

        return (await ReloadAsync(_keys, ct, force: true)).Published;
    }

    /// <summary>Rotates if the current key is due (the background service calls this) and refreshes the cache if anything changed.</summary>
    public async Task EnsureCurrentAsync(CancellationToken ct)
    {
        string currentId;
        using (var scope = scopes.CreateScope())
        {
            var (key, rotated) = await scope.ServiceProvider.GetRequiredService<SigningKeyService>()
                .EnsureCurrentAsync(options.Value.KeyRotationPeriod, options.Value.KeySizeBits, CancellationToken.None);
            currentId = key.Id;
            if (rotated)
            {
                logger.LogInformation("New signing key {KeyId} is now current (first key, or the previous one reached its rotation age)", key.Id);
            }
        }

        if (_keys is not { } keys || keys.Published[0].KeyId != currentId)
        {
            await ReloadAsync(_keys, ct, force: true);
        }
    }

    private async Task<KeySet> GetAsync(CancellationToken ct)
    {
        var keys = _keys;
        if (keys is not null && clock.GetUtcNow() - keys.LoadedAt < TimeSpan.FromSeconds(options.Value.KeyCacheSeconds))
        {
            return keys;
        }

        return await ReloadAsync(keys, ct);
    }

    private async Task<KeySet> ReloadAsync(KeySet? seen, CancellationToken ct, bool force = false)
    {
        await _gate.WaitAsync(ct);
        try
        {
            // Someone else reloaded while this caller waited.
            if (!force && _keys is { } fresh && !ReferenceEquals(fresh, seen))
            {
                return fresh;
            }

            // Other callers wait for this reload, so one caller's cancellation must not abort it halfway (a rotation is a
            // transaction); the database command timeout bounds it.
            using var scope = scopes.CreateScope();
            var service = scope.ServiceProvider.GetRequiredService<SigningKeyService>();
            // Creates the first key, or rotates one that is overdue (for instance after downtime).
            await service.EnsureCurrentAsync(options.Value.KeyRotationPeriod, options.Value.KeySizeBits, CancellationToken.None);
            var published = await service.GetPublishedAsync(CancellationToken.None);
            var keys = new KeySet(published.Select(k => PublishedKey.From(k, protector)).ToList(), clock.GetUtcNow());
            _keys = keys;
            return keys;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    private sealed record KeySet(IReadOnlyList<PublishedKey> Published, DateTimeOffset LoadedAt);
}

/// <summary>One published key: its public half for verification and, for the current key, the private half for signing.</summary>
public sealed class PublishedKey
{
    private PublishedKey(string keyId, DateTime createdAt, DateTime? retiredAt, RSAParameters publicParameters, RsaSecurityKey? signingKey)
    {
        KeyId = keyId;
        CreatedAt = createdAt;
        RetiredAt = retiredAt;
        PublicParameters = publicParameters;
        VerificationKey = new RsaSecurityKey(publicParameters) { KeyId = keyId };
        SigningKey = signingKey;
    }

    public string KeyId { get; }

    public DateTime CreatedAt { get; }

    public DateTime? RetiredAt { get; }

    public RSAParameters PublicParameters { get; }

    public RsaSecurityKey VerificationKey { get; }

    /// <summary>Null for a retired key.</summary>
    public RsaSecurityKey? SigningKey { get; }

    public static PublishedKey From(SigningKey key, SigningKeyProtector protector)
    {
        using var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(key.PublicKey, out _);
        var publicParameters = rsa.ExportParameters(false);
        RsaSecurityKey? signing = null;
        if (key.PrivateKey is { Length: > 0 } privateKey && key.RetiredAt is null)
        {
            using var privateRsa = RSA.Create();
            privateRsa.ImportPkcs8PrivateKey(protector.Unprotect(privateKey, key.Id), out _);
            signing = new RsaSecurityKey(privateRsa.ExportParameters(true)) { KeyId = key.Id };
        }

        return new PublishedKey(key.Id, key.CreatedAt, key.RetiredAt, publicParameters, signing);
    }

    /// <summary>The key as a JWK (RFC 7517): public parameters only.</summary>
    public Dictionary<string, string> ToJwk() => new()
    {
        ["kty"] = "RSA",
        ["use"] = "sig",
        ["alg"] = SigningKeyService.Algorithm,
        ["kid"] = KeyId,
        ["n"] = Base64UrlEncoder.Encode(PublicParameters.Modulus),
        ["e"] = Base64UrlEncoder.Encode(PublicParameters.Exponent),
    };
}
