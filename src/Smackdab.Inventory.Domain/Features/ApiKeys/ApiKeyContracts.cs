using FluentValidation;
using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Domain.Features.ApiKeys;

public sealed record CreateApiKeyRequest
{
    public string? Name { get; init; }

    public IReadOnlyList<string>? Scopes { get; init; }

    /// <summary>Binds the key to one branch of the organization.</summary>
    public string? BranchId { get; init; }

    public static CreateApiKeyRequest Example => new()
    {
        Name = "ERP sync",
        Scopes = [Common.Scopes.ProductsRead, Common.Scopes.TransactionsCreate],
    };
}

public sealed record ApiKeyResponse
{
    public string Id { get; init; } = "";

    public string Name { get; init; } = "";

    public string Prefix { get; init; } = "";

    public IReadOnlyList<string> Scopes { get; init; } = [];

    public string? BranchId { get; init; }

    public DateTime CreatedAt { get; init; }

    public DateTime? LastUsedAt { get; init; }

    public DateTime? RevokedAt { get; init; }

    /// <summary>The secret, present only in the response that created the key.</summary>
    public string? Secret { get; init; }

    public static ApiKeyResponse From(ApiKey k, string? secret = null) => new()
    {
        Id = k.Id,
        Name = k.Name,
        Prefix = k.Prefix,
        Scopes = k.Scopes,
        BranchId = k.BranchId,
        CreatedAt = k.CreatedAt,
        LastUsedAt = k.LastUsedAt,
        RevokedAt = k.RevokedAt,
        Secret = secret,
    };
}

public sealed class CreateApiKeyRequestValidator : AbstractValidator<CreateApiKeyRequest>
{
    public CreateApiKeyRequestValidator()
    {
        RuleFor(r => r.Name).NotEmpty().WithMessage("Is required").MaximumLength(200);
        RuleFor(r => r.Scopes).NotEmpty().WithMessage("At least one scope is required");
        RuleForEach(r => r.Scopes)
            .Must(Scopes.IsKnown)
            .WithMessage($"Must be one of: {string.Join(", ", Scopes.All)}");
    }
}
