using FluentValidation;

namespace Smackdab.Inventory.Domain.Features.Locations;

public sealed class LocationWriteRequestValidator : AbstractValidator<LocationWriteRequest>
{
    public LocationWriteRequestValidator()
    {
        RuleFor(r => r.Name).NotEmpty().WithMessage("Is required").MaximumLength(200);
        RuleFor(r => r.Code).MaximumLength(64).Matches("^[A-Za-z0-9][A-Za-z0-9._-]*$").WithMessage("May contain letters, digits and . _ - only");
        RuleFor(r => r.Type)
            .Must(t => t is null || LocationTypes.All.Contains(t))
            .WithMessage($"Must be one of: {string.Join(", ", LocationTypes.All)}");
        RuleFor(r => r.LocationGroup).MaximumLength(100);
        When(r => r.Address is not null, () =>
        {
            RuleFor(r => r.Address!.Line1).MaximumLength(200);
            RuleFor(r => r.Address!.Line2).MaximumLength(200);
            RuleFor(r => r.Address!.City).MaximumLength(100);
            RuleFor(r => r.Address!.Region).MaximumLength(100);
            RuleFor(r => r.Address!.PostalCode).MaximumLength(32);
            RuleFor(r => r.Address!.Country).Matches("^[A-Z]{2}$").WithMessage("Must be an ISO 3166-1 alpha-2 code such as US");
        });
    }
}
