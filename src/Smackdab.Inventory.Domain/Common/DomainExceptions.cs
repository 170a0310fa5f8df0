namespace Smackdab.Inventory.Domain.Common;

/// <summary>Base of every expected failure; the API maps each subtype to a status code and an envelope.</summary>
public abstract class DomainException : Exception
{
    protected DomainException(string code, string message, IReadOnlyDictionary<string, object?>? details = null)
        : base(message)
    {
        Code = code;
        Details = details ?? new Dictionary<string, object?>();
    }

    public string Code { get; }

    public IReadOnlyDictionary<string, object?> Details { get; }
}

public sealed class NotFoundException(string resource, string id)
    : DomainException(ErrorCodes.NotFound, $"{resource} not found", new Dictionary<string, object?> { ["id"] = id });

public sealed class ConflictException(string message, IReadOnlyDictionary<string, object?>? details = null)
    : DomainException(ErrorCodes.Conflict, message, details);

public sealed class PermissionDeniedException(string message, IReadOnlyDictionary<string, object?>? details = null)
    : DomainException(ErrorCodes.PermissionDenied, message, details);

public sealed class ValidationFailedException : DomainException
{
    public ValidationFailedException(IReadOnlyDictionary<string, string[]> errors, string message = "Request validation failed")
        : base(ErrorCodes.ValidationFailed, message, errors.ToDictionary(e => e.Key, e => (object?)e.Value))
    {
        Errors = errors;
    }

    public ValidationFailedException(string field, string error)
        : this(new Dictionary<string, string[]> { [field] = [error] })
    {
    }

    public IReadOnlyDictionary<string, string[]> Errors { get; }
}

/// <summary>A debit beyond available stock; 409 with what was asked for and what there is.</summary>
public sealed class InsufficientStockException(string productId, string locationId, decimal requested, decimal available, string? field = null)
    : DomainException(
        ErrorCodes.InsufficientStock,
        "Insufficient stock available",
        new Dictionary<string, object?>
        {
            ["product_id"] = productId,
            ["location_id"] = locationId,
            ["requested"] = requested,
            ["available"] = available,
            ["field"] = field,
        });
