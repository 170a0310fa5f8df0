using FluentValidation;
using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Domain.Features.OAuth;

public sealed record CreateOAuthClientRequest
{
    public string? Name { get; init; }

    /// <summary>The scopes the client may be granted.</summary>
    public IReadOnlyList<string>? Scopes { get; init; }

    /// <summary>Exact redirect URIs for the authorization code flow (https, or http on a loopback host).</summary>
    public IReadOnlyList<string>? RedirectUris { get; init; }

    /// <summary>Binds every token of the client to one branch of the organization.</summary>
    public string? BranchId { get; init; }

    public static CreateOAuthClientRequest Example => new()
    {
        Name = "Storefront connector",
        Scopes = [Common.Scopes.ProductsRead, Common.Scopes.TransactionsRead],
        RedirectUris = ["https://connector.example.com/oauth/callback"],
    };
}

public sealed record OAuthClientResponse
{
    /// <summary>The OAuth <c>client_id</c>.</summary>
    public string Id { get; init; } = "";

    public string Name { get; init; } = "";

    /// <summary>The first characters of the secret, to recognise it.</summary>
    public string SecretPrefix { get; init; } = "";

    public IReadOnlyList<string> Scopes { get; init; } = [];

    public IReadOnlyList<string> RedirectUris { get; init; } = [];

    public string? BranchId { get; init; }

    public DateTime CreatedAt { get; init; }

    public DateTime? LastUsedAt { get; init; }

    public DateTime? RevokedAt { get; init; }

    /// <summary>The <c>client_secret</c>, present only in the response that created the client.</summary>
    public string? Secret { get; init; }

    public static OAuthClientResponse From(OAuthClient c, string? secret = null) => new()
    {
        Id = c.Id,
        Name = c.Name,
        SecretPrefix = c.SecretPrefix,
        Scopes = c.Scopes,
        RedirectUris = c.RedirectUris,
        BranchId = c.BranchId,
        CreatedAt = c.CreatedAt,
        LastUsedAt = c.LastUsedAt,
        RevokedAt = c.RevokedAt,
        Secret = secret,
    };
}

public sealed class CreateOAuthClientRequestValidator : AbstractValidator<CreateOAuthClientRequest>
{
    public CreateOAuthClientRequestValidator()
    {
        RuleFor(r => r.Name).NotEmpty().WithMessage("Is required").MaximumLength(200);
        RuleFor(r => r.Scopes).NotEmpty().WithMessage("At least one scope is required");
        RuleForEach(r => r.Scopes)
            .Must(Scopes.IsKnown)
            .WithMessage($"Must be one of: {string.Join(", ", Scopes.All)}");
        RuleFor(r => r.RedirectUris).Must(u => u is null || u.Count <= 10).WithMessage("At most 10 redirect URIs");
        RuleForEach(r => r.RedirectUris)
            .Must(IsAcceptableRedirectUri)
            .WithMessage("Must be an absolute https URI (http only on localhost or 127.0.0.1) without a fragment, up to 2000 characters");
    }

    public static bool IsAcceptableRedirectUri(string? value)
    {
        if (value is null || value.Length > 2000 || !Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Fragment.Length > 0 || value.Contains('#'))
        {
            return false;
        }

        return uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback);
    }
}
