using FluentValidation;

namespace Smackdab.Inventory.Domain.Features.Products;

public sealed class ProductWriteRequestValidator : AbstractValidator<ProductWriteRequest>
{
    public ProductWriteRequestValidator()
    {
        RuleFor(r => r.Sku).NotEmpty().WithMessage("Is required")
            .MaximumLength(100)
            .Matches("^[A-Za-z0-9][A-Za-z0-9._/-]*$").WithMessage("May contain letters, digits and . _ / - only");
        RuleFor(r => r.Name).NotEmpty().WithMessage("Is required").MaximumLength(300);
        RuleFor(r => r.Status)
            .Must(s => s is null || ProductStatuses.All.Contains(s))
            .WithMessage($"Must be one of: {string.Join(", ", ProductStatuses.All)}");
        RuleFor(r => r.Category).MaximumLength(100);
        RuleFor(r => r.Description).MaximumLength(4000);
        RuleFor(r => r.Uom).MaximumLength(32).Matches("^[A-Z][A-Z0-9_]*$").WithMessage("Must be an upper-case unit code such as EACH or CASE");
        RuleFor(r => r.Units).Must(u => u is null || u.Count <= 20).WithMessage("At most 20 units");
        RuleFor(r => r.Units)
            .Must(u => u is null || u.Select(x => x.Uom).Distinct().Count() == u.Count)
            .WithMessage("Each unit may appear once");
        RuleForEach(r => r.Units).ChildRules(unit =>
        {
            unit.RuleFor(u => u.Uom).NotEmpty().WithMessage("Is required")
                .MaximumLength(32).Matches("^[A-Z][A-Z0-9_]*$").WithMessage("Must be an upper-case unit code such as CASE");
            unit.RuleFor(u => u.Factor).NotNull().WithMessage("Is required")
                .GreaterThan(0).WithMessage("Must be greater than zero")
                .PrecisionScale(19, 4, ignoreTrailingZeros: true);
        });
        RuleForEach(r => r.Units)
            .Must((request, unit) => unit.Uom != (request.Uom ?? "EACH"))
            .WithMessage("Must differ from the base unit");
        When(r => r.Price is not null, () =>
        {
            RuleFor(r => r.Price!.Amount).GreaterThanOrEqualTo(0).WithMessage("Must not be negative")
                .PrecisionScale(19, 4, ignoreTrailingZeros: true);
            RuleFor(r => r.Price!.Currency).NotEmpty().Matches("^[A-Z]{3}$").WithMessage("Must be an ISO 4217 code such as USD");
        });
    }
}
