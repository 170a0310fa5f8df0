using Microsoft.AspNetCore.Mvc;
using Smackdab.Inventory.Api.Auth;
using Smackdab.Inventory.Api.Envelope;
using Smackdab.Inventory.Api.Security;

namespace Smackdab.Inventory.Api.Controllers;

/// <summary>The published token signing key.</summary>
public sealed record SigningKeyResponse(string Kid, string Algorithm, string Status, DateTime CreatedAt, DateTime? RetiredAt);

/// <summary>The signing keys published at /.well-known/jwks.json.</summary>
public sealed record SigningKeysResponse(string CurrentKid, IReadOnlyList<SigningKeyResponse> Keys);

[Route("v1/signing-keys")]
[Tags("Signing keys")]
public sealed class SigningKeysController(SigningKeyCache keys) : ApiControllerBase
{
    /// <summary>The published token signing keys (current and previous).</summary>
    /// <remarks>Platform administrators only (<c>X-API-Key</c> = the platform key); no <c>X-Organization-ID</c>.</remarks>
    [HttpGet]
    [RequirePlatformKey]
    [ProducesResponseType<SuccessEnvelope<SigningKeysResponse>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> List(CancellationToken ct) =>
        Envelope(Describe(await keys.GetPublishedAsync(ct)), "Signing keys retrieved successfully");

    /// <summary>Rotate the token signing key now.</summary>
    /// <remarks>Platform administrators only. The current key is retired (its private half erased) and stays published as
    /// the previous key, so tokens it signed verify until they expire; the key before it is no longer accepted.
    /// Keys also rotate on their own every <c>Jwt:KeyRotationHours</c>.</remarks>
    [HttpPost("rotate")]
    [RequirePlatformKey]
    [ProducesResponseType<SuccessEnvelope<SigningKeysResponse>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> Rotate(CancellationToken ct) =>
        Envelope(Describe(await keys.RotateNowAsync(ct)), "Signing key rotated", toast: true);

    private static SigningKeysResponse Describe(IReadOnlyList<PublishedKey> published) => new(
        published[0].KeyId,
        published.Select(k => new SigningKeyResponse(k.KeyId, "RS256", k.RetiredAt is null ? "current" : "previous", k.CreatedAt, k.RetiredAt)).ToList());
}
