using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Features.Ledger;
using Smackdab.Inventory.Domain.Features.Products;
using Xunit;

namespace Smackdab.Inventory.Tests.Unit.Domain;

public sealed class ProductUnitTests
{
    private static readonly Product Widget = new() { Uom = "EACH", Units = [new ProductUnit { Uom = "CASE", Factor = 12 }] };

    [Theory]
    [InlineData("EACH", 1)]
    [InlineData("CASE", 12)]
    public void Known_units_convert_to_the_base_unit(string uom, decimal factor) => Assert.Equal(factor, Widget.FactorOf(uom));

    [Fact]
    public void Unknown_unit_is_reported_on_the_uom_field()
    {
        var errors = new ValidationErrors();
        var result = LedgerReferences.ToBase(Widget, new QuantityDto { Value = 2, Uom = "PALLET" }, "transactions[4].quantity", errors);
        Assert.Null(result);
        var exception = Assert.Throws<ValidationFailedException>(errors.ThrowIfAny);
        Assert.Contains("transactions[4].quantity.uom", exception.Errors.Keys);
    }

    [Fact]
    public void Quantity_without_uom_is_in_the_base_unit_and_cases_multiply()
    {
        var errors = new ValidationErrors();
        Assert.Equal(5m, LedgerReferences.ToBase(Widget, new QuantityDto { Value = 5 }, "quantity", errors)!.Value.Base);
        Assert.Equal(30m, LedgerReferences.ToBase(Widget, new QuantityDto { Value = 2.5m, Uom = "CASE" }, "quantity", errors)!.Value.Base);
        Assert.False(errors.Any);
    }
}
