using Smackdab.Inventory.Domain.Paging;
using Xunit;

namespace Smackdab.Inventory.Tests.Unit.Domain;

public sealed class CursorKeyTests
{
    [Fact]
    public void Cursor_round_trips_its_sort_value_and_id()
    {
        var key = new CursorKey("Premium, \"Widget\"", "prod_abc", "-name");
        var decoded = CursorKey.TryDecode(key.Encode());
        Assert.Equal(key, decoded);
    }

    [Fact]
    public void Cursor_is_url_safe()
    {
        var token = new CursorKey(new string('?', 40), "prod_~~~", "sku").Encode();
        Assert.DoesNotContain('+', token);
        Assert.DoesNotContain('/', token);
        Assert.DoesNotContain('=', token);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64 at all!")]
    [InlineData("eyJpZCI6MTIzfQ")]
    [InlineData("WyJhIl0")]
    public void Garbage_is_not_a_cursor(string token) => Assert.Null(CursorKey.TryDecode(token));
}
