using Smackdab.Inventory.Api.Http;
using Smackdab.Inventory.Api.Validation;
using Smackdab.Inventory.Domain.Common;
using Microsoft.AspNetCore.Http;
using Xunit;

namespace Smackdab.Inventory.Tests.Unit.Http;

public sealed class FieldPathTests
{
    [Theory]
    [InlineData("Quantity.Value", "quantity.value")]
    [InlineData("Transactions[1].ProductId", "transactions[1].product_id")]
    [InlineData("UnitCost.Currency", "unit_cost.currency")]
    [InlineData("", "body")]
    public void Validator_property_names_become_snake_case_field_paths(string property, string expected) =>
        Assert.Equal(expected, RequestValidator.FieldPath(property));

    [Theory]
    [InlineData("\"version-3\"", 3)]
    [InlineData("W/\"version-12\"", 12)]
    public void If_match_names_a_version(string header, int expected)
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.IfMatch = header;
        Assert.Equal(expected, ETags.IfMatchVersion(context.Request));
    }

    [Theory]
    [InlineData("")]
    [InlineData("*")]
    public void Absent_or_star_if_match_is_unconditional(string header)
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.IfMatch = header;
        Assert.Null(ETags.IfMatchVersion(context.Request));
    }

    [Fact]
    public void Malformed_if_match_is_a_validation_error()
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.IfMatch = "\"abc\"";
        Assert.Throws<ValidationFailedException>(() => ETags.IfMatchVersion(context.Request));
    }

    [Fact]
    public void Date_only_end_date_is_inclusive()
    {
        var query = new QueryCollection(new Dictionary<string, Microsoft.Extensions.Primitives.StringValues>
        {
            ["start_date"] = "2025-01-01",
            ["end_date"] = "2025-01-31",
        });
        var (start, end) = DateRange.Parse(query);
        Assert.Equal(new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc), start);
        Assert.Equal(new DateTime(2025, 2, 1, 0, 0, 0, DateTimeKind.Utc), end);
    }
}
