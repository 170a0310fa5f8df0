using FluentValidation;

namespace Smackdab.Inventory.Domain.Features.Ledger;

public sealed class QuantityDtoValidator : AbstractValidator<QuantityDto>
{
    public QuantityDtoValidator()
    {
        RuleFor(q => q.Value).NotNull().WithMessage("Is required").PrecisionScale(19, 4, ignoreTrailingZeros: true);
        RuleFor(q => q.Uom).MaximumLength(32).Matches("^[A-Z][A-Z0-9_]*$").WithMessage("Must be an upper-case unit code such as EACH");
    }
}

public sealed class CreateTransactionRequestValidator : AbstractValidator<CreateTransactionRequest>
{
    public CreateTransactionRequestValidator()
    {
        RuleFor(r => r.TransactionType).NotEmpty().WithMessage("Is required")
            .Must(t => t is null || TransactionTypes.Postable.Contains(t))
            .WithMessage($"Must be one of: {string.Join(", ", TransactionTypes.Postable)}");
        RuleFor(r => r.ProductId).NotEmpty().WithMessage("Is required");
        RuleFor(r => r.LocationId).NotEmpty().WithMessage("Is required");
        RuleFor(r => r.Quantity).NotNull().WithMessage("Is required").SetValidator(new QuantityDtoValidator()!);
        When(r => r.Quantity?.Value is not null, () =>
        {
            RuleFor(r => r.Quantity!.Value)
                .GreaterThan(0).WithMessage("Must be greater than zero")
                .When(r => r.TransactionType is TransactionTypes.Receipt or TransactionTypes.Shipment or TransactionTypes.Return);
            RuleFor(r => r.Quantity!.Value)
                .NotEqual(0).WithMessage("Must not be zero")
                .When(r => r.TransactionType == TransactionTypes.Adjustment);
            RuleFor(r => r.Quantity!.Value)
                .GreaterThanOrEqualTo(0).WithMessage("A count cannot be negative")
                .When(r => r.TransactionType == TransactionTypes.Count);
        });
        RuleFor(r => r.ReasonCode).NotEmpty().WithMessage("Is required for adjustments")
            .When(r => r.TransactionType == TransactionTypes.Adjustment);
        RuleFor(r => r.ReasonCode)
            .Must(c => c is null || ReasonCodes.All.Contains(c))
            .WithMessage($"Must be one of: {string.Join(", ", ReasonCodes.All)}");
        When(r => r.UnitCost is not null, () =>
        {
            RuleFor(r => r.UnitCost!.Amount).GreaterThanOrEqualTo(0).WithMessage("Unit cost cannot be negative")
                .PrecisionScale(19, 4, ignoreTrailingZeros: true);
            RuleFor(r => r.UnitCost!.Currency).NotEmpty().Matches("^[A-Z]{3}$").WithMessage("Must be an ISO 4217 code such as USD");
        });
        RuleFor(r => r.Reference).MaximumLength(200);
        RuleFor(r => r.Notes).MaximumLength(2000);
        RuleFor(r => r.ExpectedQuantity).PrecisionScale(19, 4, ignoreTrailingZeros: true);
    }
}

public sealed class BatchTransactionsRequestValidator : AbstractValidator<BatchTransactionsRequest>
{
    public const int MaxBatchSize = 500;

    public BatchTransactionsRequestValidator()
    {
        RuleFor(r => r.Transactions).NotEmpty().WithMessage("At least one transaction is required")
            .Must(t => t is null || t.Count <= MaxBatchSize).WithMessage($"At most {MaxBatchSize} transactions per batch");
        RuleForEach(r => r.Transactions).NotNull().WithMessage("Must be an object").SetValidator(new CreateTransactionRequestValidator());
    }
}

public sealed class CreateTransferRequestValidator : AbstractValidator<CreateTransferRequest>
{
    public CreateTransferRequestValidator()
    {
        RuleFor(r => r.SourceLocationId).NotEmpty().WithMessage("Is required");
        RuleFor(r => r.DestinationLocationId).NotEmpty().WithMessage("Is required")
            .NotEqual(r => r.SourceLocationId).WithMessage("Must differ from source_location_id");
        RuleFor(r => r.ProductId).NotEmpty().WithMessage("Is required");
        RuleFor(r => r.Quantity).NotNull().WithMessage("Is required").SetValidator(new QuantityDtoValidator()!);
        RuleFor(r => r.Quantity!.Value).GreaterThan(0).WithMessage("Must be greater than zero").When(r => r.Quantity?.Value is not null);
        RuleFor(r => r.Reference).MaximumLength(200);
        RuleFor(r => r.Notes).MaximumLength(2000);
    }
}

public sealed class PrepareHoldRequestValidator : AbstractValidator<PrepareHoldRequest>
{
    public PrepareHoldRequestValidator()
    {
        RuleFor(r => r.TransactionId).Matches("^txn_[A-Za-z0-9_-]{1,60}$").WithMessage("Must look like txn_…");
        RuleFor(r => r.Operations).NotEmpty().WithMessage("At least one operation is required")
            .Must(o => o is null || o.Count <= 100).WithMessage("At most 100 operations");
        RuleForEach(r => r.Operations).NotNull().WithMessage("Must be an object").ChildRules(op =>
        {
            op.RuleFor(o => o.Type).NotEmpty().WithMessage("Is required")
                .Must(t => t is null or "debit" or "credit").WithMessage("Must be debit or credit");
            op.RuleFor(o => o.ProductId).NotEmpty().WithMessage("Is required");
            op.RuleFor(o => o.LocationId).NotEmpty().WithMessage("Is required");
            op.RuleFor(o => o.Quantity).NotNull().WithMessage("Is required").SetValidator(new QuantityDtoValidator()!);
            op.RuleFor(o => o.Quantity!.Value).GreaterThan(0).WithMessage("Must be greater than zero").When(o => o.Quantity?.Value is not null);
        });
        RuleFor(r => r.TtlSeconds).InclusiveBetween(1, 3600);
        RuleFor(r => r.Reference).MaximumLength(200);
    }
}
