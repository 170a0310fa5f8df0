using System.ComponentModel.DataAnnotations;

namespace Smackdab.Inventory.Domain.Features.OAuth;

/// <summary>Section "OAuth": lifetimes of the authorization server's codes and refresh tokens.</summary>
public sealed class OAuthOptions
{
    public const string Section = "OAuth";

    /// <summary>An authorization code must be redeemed within this many seconds.</summary>
    [Range(10, 600)]
    public int AuthorizationCodeLifetimeSeconds { get; set; } = 60;

    /// <summary>A refresh token expires this many days after it was issued (each refresh issues a new one).</summary>
    [Range(1, 365)]
    public int RefreshTokenLifetimeDays { get; set; } = 30;
}
